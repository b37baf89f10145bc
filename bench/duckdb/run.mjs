// Runs clearance.sql on a Parquet catalog lake with DuckDB and prints the wall time of each step, the total and the
// process's peak RSS. Usage (see README.md):
//   node bench/duckdb/run.mjs --lake DIR --out DIR --as-of ISO [--policy FILE.json] [--run-id ID]
//                             [--threads N] [--memory-limit 2.5GB] [--max-fraction 0.01]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const here = dirname(fileURLToPath(import.meta.url));
const CONSENT_MODES = ['opt_in', 'opt_out', 'not_required'];
const STATES = ['ACTIVE', 'PRIVATE', 'TAKEN_DOWN', 'DELETED'];
const LICENSOR_TYPES = ['SELF', 'MAJOR_LABEL', 'INDEPENDENT_LABEL', 'DISTRIBUTOR', 'CREATIVE_COMMONS', 'PUBLIC_DOMAIN'];
const DMI = ['DMI-UNSPECIFIED', 'DMI-ALLOWED', 'DMI-PROHIBITED-AIMLTRAINING', 'DMI-PROHIBITED-GENAIMLTRAINING',
  'DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING', 'DMI-PROHIBITED', 'DMI-PROHIBITED-SEECONSTRAINT',
  'DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR', 'DMI-PROHIBITED-SEELINKEDRIGHTSEXPR'];

function fail(message, code = 2) {
  console.error(`duckdb-clearance: ${message}`);
  process.exit(code);
}

const { values: args } = parseArgs({
  options: {
    lake: { type: 'string' },
    out: { type: 'string' },
    'as-of': { type: 'string' },
    'run-id': { type: 'string' },
    policy: { type: 'string', default: join(here, 'policy4.json') },
    threads: { type: 'string' },
    'memory-limit': { type: 'string' },
    'max-fraction': { type: 'string', default: '0.01' },
  },
});
for (const required of ['lake', 'out', 'as-of']) {
  if (!args[required]) fail(`--${required} is required (usage: --lake DIR --out DIR --as-of 2026-06-01T00:00:00Z)`);
}
if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(args['as-of'])) {
  fail(`--as-of '${args['as-of']}' is not an ISO-8601 instant with an offset, e.g. 2026-06-01T00:00:00Z`);
}
const out = resolve(args.out);
const maxFraction = Number(args['max-fraction']);
if (!(maxFraction >= 0 && maxFraction <= 1)) fail(`--max-fraction must be between 0 and 1, got ${args['max-fraction']}`);
if (existsSync(out) && readdirSync(out).length > 0) {
  fail(`--out ${out} is not empty: this runner writes a first run only; remove it or pick another directory`);
}

// ---- the policy: the same normalisation as the project's PolicyLoader (§2, decisions.md 6, 7, 20) ----
const trim = (s) => s.replace(/^[\t\n\x0B\f\r\x1C-\x1F\p{Z}]+|[\t\n\x0B\f\r\x1C-\x1F\p{Z}]+$/gu, '');
const purposeName = (s) => trim(s).toLowerCase().replaceAll('-', '_').replaceAll(' ', '_');
const enumValue = (s) => trim(s).toUpperCase();
const tagKey = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function loadPolicy(file) {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  const hashed = raw.source_yaml ? resolve(dirname(file), raw.source_yaml) : file;
  const names = new Set();
  const purposes = Object.entries(raw.purposes ?? {}).map(([key, rule], index) => {
    const purpose = purposeName(key);
    if (!/^[a-z][a-z0-9_]*$/.test(purpose) || names.has(purpose)) fail(`${file}: bad or repeated purpose '${key}'`);
    names.add(purpose);
    const consent = purposeName(rule.consent ?? '');
    if (!CONSENT_MODES.includes(consent)) fail(`${file}: purposes.${key}.consent '${rule.consent}'`);
    const enums = (list, allowed, what) => (list ?? []).map((v) => {
      const value = enumValue(v);
      if (!allowed.includes(value)) fail(`${file}: purposes.${key}.${what} '${v}' is not one of ${allowed}`);
      return value;
    });
    for (const flag of ['requires_valid_license', 'honor_no_ai_tag']) {
      if (typeof rule[flag] !== 'boolean') fail(`${file}: purposes.${key}.${flag} must be true or false`);
    }
    if (!Array.isArray(rule.eligible_states)) fail(`${file}: purposes.${key}.eligible_states is required`);
    return {
      purpose_index: index, purpose, consent,
      eligible_states: enums(rule.eligible_states, STATES, 'eligible_states'),
      requires_valid_license: rule.requires_valid_license,
      excluded_licensor_types: enums(rule.excluded_licensor_types, LICENSOR_TYPES, 'excluded_licensor_types'),
      honor_no_ai_tag: rule.honor_no_ai_tag,
      reserved_by_dmi: enums(rule.reserved_by_dmi, DMI, 'reserved_by_dmi'),
    };
  });
  if (purposes.length === 0) fail(`${file}: purposes is empty`);
  const ignored = [...new Set((raw.ignored_consent_purposes ?? []).map(purposeName))];
  if (ignored.some((p) => names.has(p) || !/^[a-z][a-z0-9_]*$/.test(p))) fail(`${file}: bad ignored_consent_purposes`);
  const noAiTags = [...new Set((raw.no_ai_tags ?? []).map(tagKey))];
  if (noAiTags.includes('')) fail(`${file}: a no_ai_tags entry has no letters or digits`);
  if (!raw.policy_version || !raw.policy_version.trim()) fail(`${file}: policy_version is blank`);
  return {
    policy_version: raw.policy_version,
    policy_sha256: createHash('sha256').update(readFileSync(hashed)).digest('hex'),
    no_ai_tags: noAiTags,
    ignored,
    purposes,
  };
}

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const sqlList = (list) => `[${list.map(sqlString).join(', ')}]::VARCHAR[]`;

// run_id as the project derives it (decisions.md 17): run-YYYYMMDDTHHMMSS[.ffffff]Z of as_of in UTC.
function runIdOf(epochMicros) {
  const seconds = epochMicros / 1_000_000n;
  const micros = epochMicros % 1_000_000n;
  const stamp = new Date(Number(seconds) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `run-${stamp}${micros === 0n ? '' : '.' + String(micros).padStart(6, '0')}Z`;
}

function peakRss() {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
}

const fmtSeconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

// Wall and CPU time (user + system, all threads of this process: DuckDB runs in it) per step; a name seen
// again adds up.
const timings = new Map();
const cpuMillis = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
async function timed(name, action) {
  const wall0 = performance.now();
  const cpu0 = cpuMillis();
  const result = await action();
  const previous = timings.get(name) ?? { wall: 0, cpu: 0 };
  timings.set(name, { wall: previous.wall + performance.now() - wall0, cpu: previous.cpu + cpuMillis() - cpu0 });
  return result;
}

// ---- main ----
const policy = loadPolicy(resolve(args.policy));
const lake = resolve(args.lake);
for (const table of ['tracks', 'licenses', 'consents']) {
  if (!existsSync(join(lake, table))) fail(`input table ${table}: ${join(lake, table)} does not exist`, 3);
}
// DuckDB spills here when a step needs more than --memory-limit
const spill = mkdtempSync(join(tmpdir(), 'duckdb-clearance-'));
process.on('exit', () => rmSync(spill, { recursive: true, force: true }));

const started = performance.now();
const startedCpu = cpuMillis();
const config = { temp_directory: spill };
if (args.threads) config.threads = args.threads;
if (args['memory-limit']) config.memory_limit = args['memory-limit'];
const instance = await DuckDBInstance.create(':memory:', config);
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);

const asOfMicros = (await db.runAndReadAll(`SELECT epoch_us(${sqlString(args['as-of'])}::TIMESTAMPTZ)`)).getRows()[0][0];
const runId = args['run-id'] ?? runIdOf(asOfMicros);
await db.run(`CREATE TEMP TABLE run_policy AS SELECT
    ${sqlString(runId)} AS run_id,
    make_timestamptz(${asOfMicros}::BIGINT) AS as_of,
    ${sqlString(policy.policy_version)} AS policy_version,
    ${sqlString(policy.policy_sha256)} AS policy_sha256,
    ${sqlList(policy.no_ai_tags)} AS no_ai_tags,
    ${sqlList([...policy.purposes.map((p) => p.purpose), '*'])} AS prohibitable,
    ${sqlList([...policy.purposes.map((p) => p.purpose), ...policy.ignored, '*'])} AS consentable`);
await db.run(`CREATE TEMP TABLE policy_purposes AS SELECT * FROM (VALUES ${policy.purposes.map((p) => `(
    ${p.purpose_index}, ${sqlString(p.purpose)}, ${sqlString(p.consent)}, ${sqlList(p.eligible_states)},
    ${p.requires_valid_license}, ${sqlList(p.excluded_licensor_types)}, ${p.honor_no_ai_tag},
    ${sqlList(p.reserved_by_dmi)})`).join(',')})
  AS t(purpose_index, purpose, consent, eligible_states, requires_valid_license, excluded_licensor_types,
       honor_no_ai_tag, reserved_by_dmi)`);

// §1: each input has its required columns at an accepted type (exit 3 otherwise, naming table, column and type);
// and for each timestamp column, how a quarantine record renders it (see iso_ts in clearance.sql).
const REQUIRED = {
  tracks: { track_id: 'string', uploader_id: 'string', title: 'string', genre: 'string', duration_ms: 'bigint',
    audio_uri: 'string', tags: 'array<string>', state: 'string', embedded_dmi: 'string', uploaded_at: 'timestamp' },
  licenses: { license_id: 'string', track_id: 'string', licensor_type: 'string', licensor_name: 'string',
    prohibited_purposes: 'array<string>', valid_from: 'timestamp', valid_to: 'timestamp' },
  consents: { event_id: 'string', user_id: 'string', purpose: 'string', action: 'string', event_ts: 'timestamp',
    source: 'string' },
};
const ACCEPTED = {
  string: ['VARCHAR'], 'array<string>': ['VARCHAR[]'], bigint: ['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT'],
  timestamp: ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP'],
};
const glob = (table) => join(lake, table, '*.parquet').replaceAll("'", "''");
const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;
const recordTimestamps = {};
await timed('schema check', async () => { for (const [table, required] of Object.entries(REQUIRED)) {
  let columns;
  let logical;
  try {
    columns = new Map((await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob(table)}')`)).getRows()
      .map(([name, type]) => [name, type]));
    logical = new Map((await db.runAndReadAll(`SELECT name, any_value(logical_type) FROM parquet_schema('${glob(table)}')
      GROUP BY name`)).getRows());
  } catch (e) {
    fail(`input table ${table} at ${join(lake, table)} cannot be read as Parquet: ${e.message}`, 3);
  }
  const problems = Object.entries(required).flatMap(([name, type]) => (!columns.has(name)
    ? [`missing column '${name}' (expected ${type})`]
    : ACCEPTED[type].includes(columns.get(name)) ? [] : [`column '${name}' has type ${columns.get(name)}, expected ${type}`]));
  if (problems.length > 0) fail(`input table ${table} at ${join(lake, table)} breaks the contract: ${problems.join('; ')}`, 3);
  recordTimestamps[table] = [...columns].filter(([, type]) => type.startsWith('TIMESTAMP'))
    .map(([name, type]) => {
      const ntz = type === 'TIMESTAMP' && /isAdjustedToUTC=(0|false)/.test(logical.get(name) ?? '');
      return `${quoteIdent(name)} := iso_ts(_raw.${quoteIdent(name)}, '${ntz ? '' : 'Z'}')`;
    }).join(', ');
} });
mkdirSync(join(out, 'quarantine'), { recursive: true });

// clearance.sql: one statement per `-- @step NAME` marker, in order
const text = readFileSync(join(here, 'clearance.sql'), 'utf8');
const steps = text.split(/^-- @step /m).slice(1).map((chunk) => {
  const newline = chunk.indexOf('\n');
  return { name: chunk.slice(0, newline).trim(), sql: chunk.slice(newline + 1) };
});
const fill = (sql, purpose) => sql
  .replaceAll('{{tracks_record_timestamps}}', recordTimestamps.tracks)
  .replaceAll('{{licenses_record_timestamps}}', recordTimestamps.licenses)
  .replaceAll('{{consents_record_timestamps}}', recordTimestamps.consents)
  .replaceAll('{{tracks}}', glob('tracks')).replaceAll('{{licenses}}', glob('licenses'))
  .replaceAll('{{consents}}', glob('consents')).replaceAll('{{out}}', out.replaceAll("'", "''"))
  .replaceAll('{{max_fraction}}', String(maxFraction))
  .replaceAll('{{purpose}}', purpose ?? '{{purpose}}');

console.log(`run ${runId} as_of ${args['as-of']} under policy ${policy.policy_version} (${policy.policy_sha256})`);
console.log(`lake ${lake} -> ${out}; DuckDB ${(await db.runAndReadAll('SELECT version()')).getRows()[0][0]},`
  + ` threads ${(await db.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0][0]},`
  + ` memory_limit ${(await db.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0][0]}`);
for (const step of steps) {
  const perPurpose = step.name.endsWith('(per purpose)');
  await timed(step.name, async () => {
    try {
      for (const purpose of perPurpose ? policy.purposes.map((p) => p.purpose) : [undefined]) {
        await db.run(fill(step.sql, purpose));
      }
    } catch (e) {
      fail(`step '${step.name}' failed: ${e.message}`, 70);
    }
  });
  if (step.name === 'quarantine limit') {
    const exceeded = (await db.runAndReadAll('SELECT * FROM quarantine_limit_exceeded')).getRows();
    if (exceeded.length > 0) {
      fail(`quarantine limit exceeded (max_fraction ${maxFraction}): ${exceeded.map(([table, invalid, total]) =>
        `${table} ${invalid} of ${total} rows invalid`).join(', ')}; the quarantine is written, nothing else`, 4);
    }
    mkdirSync(join(out, 'lineage', 'decisions'), { recursive: true });
    for (const p of policy.purposes) mkdirSync(join(out, 'curated', p.purpose), { recursive: true });
  }
}
// the summary is read back from the files written
const [counts, quarantined] = await timed('summary', async () => [(await db.runAndReadAll(`
  SELECT purpose, count(*) FILTER (WHERE decision = 'INCLUDED'), count(*) FILTER (WHERE decision = 'EXCLUDED')
  FROM read_parquet('${fill('{{out}}')}/lineage/decisions/*.parquet') JOIN policy_purposes USING (purpose)
  GROUP BY purpose, purpose_index ORDER BY purpose_index`)).getRows(),
(await db.runAndReadAll(`SELECT source_table, reason, count(*) FROM read_parquet('${fill('{{out}}')}/quarantine/*.parquet')
  GROUP BY ALL ORDER BY ALL`)).getRows()]);
db.closeSync();
instance.closeSync();
const total = performance.now() - started;
const totalCpu = cpuMillis() - startedCpu;
const peak = peakRss();

console.log('\npurpose                 included    excluded');
for (const [purpose, included, excluded] of counts) {
  console.log(`${purpose.padEnd(22)} ${String(included).padStart(9)}   ${String(excluded).padStart(9)}`);
}
console.log('\nquarantined');
for (const [table, reason, n] of quarantined) console.log(`${table.padEnd(10)} ${reason.padEnd(16)} ${String(n).padStart(8)}`);
console.log('\nstep                             wall        cpu');
for (const [name, t] of timings) {
  console.log(`${name.padEnd(28)} ${fmtSeconds(t.wall).padStart(9)}  ${fmtSeconds(t.cpu).padStart(9)}`);
}
console.log(`${'total (incl. start-up)'.padEnd(28)} ${fmtSeconds(total).padStart(9)}  ${fmtSeconds(totalCpu).padStart(9)}`);
console.log(`peak RSS (VmHWM)             ${(peak / 2 ** 30).toFixed(2)} GiB`);
// one line for scripts that repeat the measurement
console.log(`bench ${JSON.stringify({ wall_s: +(total / 1000).toFixed(3), cpu_s: +(totalCpu / 1000).toFixed(3),
  peak_rss_bytes: peak, steps_wall_s: Object.fromEntries([...timings].map(([n, t]) => [n, +(t.wall / 1000).toFixed(3)])),
  steps_cpu_s: Object.fromEntries([...timings].map(([n, t]) => [n, +(t.cpu / 1000).toFixed(3)])) })}`);
