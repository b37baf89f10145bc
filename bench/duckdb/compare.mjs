// Compares a first run of run.mjs with a first run of the Java job (jobs/clearance run) on the same lake, policy and
// as_of, row by row: every ledger row, every quarantine row and every curated row. Exits 0 when nothing differs,
// 1 otherwise. The Java outputs are Delta tables; their live data files are found by replaying the Delta log
// (JSON commits, after the last checkpoint if there is one), so no Delta reader is needed.
//   node bench/duckdb/compare.mjs --duckdb DIR --java DIR [--samples N]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const { values: args } = parseArgs({
  options: { duckdb: { type: 'string' }, java: { type: 'string' }, samples: { type: 'string', default: '5' } },
});
if (!args.duckdb || !args.java) {
  console.error('usage: node bench/duckdb/compare.mjs --duckdb DIR --java DIR [--samples N]');
  process.exit(2);
}
const duckOut = resolve(args.duckdb);
const javaOut = resolve(args.java);
const samples = Number(args.samples);

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

/** The data files of the latest version of a Delta table. */
async function deltaFiles(table) {
  const log = join(table, '_delta_log');
  if (!existsSync(log)) throw new Error(`${table} is not a Delta table (no _delta_log)`);
  const live = new Set();
  let after = -1;
  const lastCheckpoint = join(log, '_last_checkpoint');
  if (existsSync(lastCheckpoint)) {
    after = JSON.parse(readFileSync(lastCheckpoint, 'utf8')).version;
    const parts = readdirSync(log).filter((f) => f.startsWith(String(after).padStart(20, '0') + '.checkpoint'))
      .filter((f) => f.endsWith('.parquet')).map((f) => lit(join(log, f)));
    for (const { path } of await rows(`SELECT add.path AS path FROM read_parquet([${parts}]) WHERE add IS NOT NULL`)) {
      live.add(decodeURIComponent(path));
    }
  }
  const commits = readdirSync(log).filter((f) => /^\d{20}\.json$/.test(f)).sort()
    .filter((f) => Number(f.slice(0, 20)) > after);
  for (const commit of commits) {
    for (const line of readFileSync(join(log, commit), 'utf8').split('\n').filter(Boolean)) {
      const action = JSON.parse(line);
      if (action.add) live.add(decodeURIComponent(action.add.path));
      if (action.remove) live.delete(decodeURIComponent(action.remove.path));
    }
  }
  return [...live].map((p) => join(table, p));
}

/** A view over the Java Delta table and one over the DuckDB Parquet files of the same output table. */
async function views(name, relative) {
  const files = await deltaFiles(join(javaOut, relative));
  const source = files.length === 0 ? null : `read_parquet([${files.map(lit).join(', ')}])`;
  const duck = `read_parquet(${lit(join(duckOut, relative, '*.parquet'))})`;
  await db.run(`CREATE OR REPLACE VIEW java_${name} AS SELECT * FROM ${source ?? `${duck} LIMIT 0`}`);
  await db.run(`CREATE OR REPLACE VIEW duck_${name} AS SELECT * FROM ${duck}`);
}

let failures = 0;
function report(what, differing, detail) {
  console.log(`${what.padEnd(62)} ${String(differing).padStart(8)} differing`);
  if (differing > 0) {
    failures += 1;
    for (const row of detail) console.log('    ' + JSON.stringify(row, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
  }
}

// ---- ledger: one row per (track_id, purpose) on each side; every column compared ----
await views('ledger', 'lineage/decisions');
const ledgerColumns = ['run_id', 'as_of', 'decision', 'reasons', 'uploader_id', 'consent_state', 'consent_event_id',
  'license_ids', 'licensor_types', 'matched_no_ai_tag', 'embedded_dmi', 'policy_version', 'policy_sha256'];
const normalised = (side) => `SELECT track_id, purpose, ${ledgerColumns.map((c) =>
  (c === 'as_of' ? 'as_of::TIMESTAMPTZ AS as_of' : c)).join(', ')} FROM ${side}_ledger`;
const [[javaRows, duckRows]] = (await db.runAndReadAll(
  `SELECT (SELECT count(*) FROM java_ledger), (SELECT count(*) FROM duck_ledger)`)).getRowsJS();
console.log(`ledger rows: java ${javaRows}, duckdb ${duckRows}`);
for (const side of ['java', 'duck']) {
  const [[dups]] = (await db.runAndReadAll(`SELECT count(*) FROM (SELECT track_id, purpose FROM ${side}_ledger
    GROUP BY ALL HAVING count(*) > 1)`)).getRowsJS();
  report(`ledger: (track_id, purpose) repeated in ${side}`, Number(dups), []);
}
const ledgerDiff = `
  WITH j AS (${normalised('java')}), d AS (${normalised('duck')})
  SELECT coalesce(j.track_id, d.track_id) AS track_id, coalesce(j.purpose, d.purpose) AS purpose,
         CASE WHEN j.track_id IS NULL THEN 'only in duckdb' WHEN d.track_id IS NULL THEN 'only in java'
              ELSE concat_ws(',', ${ledgerColumns.map((c) => `CASE WHEN j.${c} IS DISTINCT FROM d.${c} THEN '${c}' END`)
                .join(', ')}) END AS differs,
         ${ledgerColumns.map((c) => `j.${c} AS java_${c}, d.${c} AS duck_${c}`).join(', ')}
  FROM j FULL OUTER JOIN d ON j.track_id IS NOT DISTINCT FROM d.track_id AND j.purpose = d.purpose
  WHERE j.track_id IS NULL OR d.track_id IS NULL
     OR ${ledgerColumns.map((c) => `j.${c} IS DISTINCT FROM d.${c}`).join(' OR ')}`;
const [[ledgerDiffering]] = (await db.runAndReadAll(`SELECT count(*) FROM (${ledgerDiff})`)).getRowsJS();
report('ledger rows (every column)', Number(ledgerDiffering),
  await rows(`SELECT track_id, purpose, differs FROM (${ledgerDiff}) ORDER BY ALL LIMIT ${samples}`));
if (ledgerDiffering > 0) {
  console.log('    by differing columns:');
  for (const r of await rows(`SELECT differs, count(*) AS n FROM (${ledgerDiff}) GROUP BY ALL ORDER BY n DESC`)) {
    console.log(`      ${r.differs}: ${r.n}`);
  }
}

// ---- multisets of whole rows: quarantine and each curated table ----
async function multiset(what, columns) {
  const cols = columns.map((c) => (c === 'as_of' ? 'as_of::TIMESTAMPTZ AS as_of' : c)).join(', ');
  const diff = `
    (SELECT 'only in java' AS side, ${cols} FROM java_${what} EXCEPT ALL SELECT 'only in java', ${cols} FROM duck_${what})
    UNION ALL
    (SELECT 'only in duckdb', ${cols} FROM duck_${what} EXCEPT ALL SELECT 'only in duckdb', ${cols} FROM java_${what})`;
  const [[n, javaCount, duckCount]] = (await db.runAndReadAll(`SELECT (SELECT count(*) FROM (${diff})),
    (SELECT count(*) FROM java_${what}), (SELECT count(*) FROM duck_${what})`)).getRowsJS();
  report(`${what} rows (java ${javaCount}, duckdb ${duckCount})`, Number(n),
    await rows(`SELECT * FROM (${diff}) ORDER BY ALL LIMIT ${samples}`));
}

await views('quarantine', 'quarantine');
await multiset('quarantine', ['run_id', 'source_table', 'reason', 'record']);
for (const r of await rows(`
    SELECT coalesce(j.source_table, d.source_table) AS source_table, coalesce(j.reason, d.reason) AS reason,
           coalesce(j.n, 0) AS java, coalesce(d.n, 0) AS duckdb
    FROM (SELECT source_table, reason, count(*) AS n FROM java_quarantine GROUP BY ALL) AS j
    FULL OUTER JOIN (SELECT source_table, reason, count(*) AS n FROM duck_quarantine GROUP BY ALL) AS d
      USING (source_table, reason)
    ORDER BY ALL`)) {
  console.log(`    ${r.source_table.padEnd(10)} ${r.reason.padEnd(16)} java ${String(r.java).padStart(7)}`
    + `  duckdb ${String(r.duckdb).padStart(7)}${r.java === r.duckdb ? '' : '  <-- differs'}`);
}

const purposes = readdirSync(join(duckOut, 'curated')).sort();
const javaPurposes = readdirSync(join(javaOut, 'curated')).sort();
report('curated purposes present on one side only',
  purposes.filter((p) => !javaPurposes.includes(p)).length + javaPurposes.filter((p) => !purposes.includes(p)).length,
  [{ java: javaPurposes, duckdb: purposes }]);
for (const purpose of purposes.filter((p) => javaPurposes.includes(p))) {
  const name = `curated_${purpose}`;
  await views(name, `curated/${purpose}`);
  await multiset(name, ['track_id', 'uploader_id', 'title', 'genre', 'duration_ms', 'audio_uri', 'license_ids',
    'licensor_types', 'consent_state', 'consent_event_id', 'policy_version', 'run_id', 'as_of']);
}

db.closeSync();
instance.closeSync();
console.log(failures === 0 ? '\nRESULT: 0 differing rows' : `\nRESULT: ${failures} check(s) found differing rows`);
process.exit(failures === 0 ? 0 : 1);
