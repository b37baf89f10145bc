// Writes a small adversarial Parquet lake for the comparison with the Java job: the boundaries and spellings that the
// generated lakes never hit (event_ts or license bounds exactly at as_of, ties, Unicode whitespace and case mapping,
// keys that differ only by a space, DMI URIs ending in '/', null array elements, int and timestamp_ntz columns, an
// extra column).
// Run both sides on it at --as-of 2026-06-01T00:00:00Z with quarantine.max_fraction 1 (most rows are invalid).
//   node bench/duckdb/edge-lake.mjs --out DIR
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const { values: args } = parseArgs({ options: { out: { type: 'string' } } });
if (!args.out) {
  console.error('usage: node bench/duckdb/edge-lake.mjs --out DIR');
  process.exit(2);
}
const out = resolve(args.out);
if (existsSync(out) && readdirSync(out).length > 0) {
  console.error(`${out} is not empty`);
  process.exit(2);
}
for (const table of ['tracks', 'licenses', 'consents']) mkdirSync(join(out, table), { recursive: true });

const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run(`SET TimeZone = 'UTC'`);
// chr(160) no-break space, chr(8232) line separator, chr(12288) ideographic space, chr(8203) zero-width space (not
// whitespace), chr(9) tab, chr(31) unit separator, chr(8211) en dash; and letters whose Java case mapping differs
// from DuckDB's (ı ſ ﬆ ﬁ İ). No U+0085: see README.md, "Known differences".
const sql = (table, select) => db.run(`COPY (${select}) TO '${join(out, table, 'part-0.parquet')}' (FORMAT parquet)`);

// duration_ms is INT (the job widens it); uploaded_at is TIMESTAMPTZ
await sql('tracks', `
SELECT track_id, uploader_id, 'title ' || track_id AS title, 'pop' AS genre, 200000::INTEGER AS duration_ms,
       's3://a/' || coalesce(track_id, 'null') AS audio_uri, tags::VARCHAR[] AS tags, state, embedded_dmi,
       TIMESTAMPTZ '2024-01-01 00:00:00.123456+00' AS uploaded_at
FROM (VALUES
  ('t1',                 'u1',               ['chill', NULL, 'No AI', '#noai'], 'ACTIVE',                     NULL),
  (' t1',                'u1',               [],                             'active',                     'DMI-ALLOWED'),
  ('t2',                 ' u1',              NULL,                           chr(160) || 'Active' || chr(12288), 'http://ns.useplus.org/ldf/vocab/'),
  ('t3',                 'u2',               ['NOAI' || chr(160)],           'PRIVATE',                    ' dmi-prohibited-genaimltraining '),
  ('t4',                 'u2',               ['noaí', 'no-ai-training'],     'private' || chr(9),          'DMI-PROHIBITED-EVERYTHING'),
  ('t5',                 'u3',               [NULL],                         'TAKEN_DOWN',                 'x/DMI-UNSPECIFIED'),
  ('t6',                 'u3',               ['do not train'],               'DELETED',                    chr(160)),
  ('t7',                 'u4',               ['ai generated'],               'ACTIVE',                     '   '),
  ('t8',                 'u4',               NULL,                           'ACTIVE',                     'http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING'),
  ('t9',                 'u5',               NULL,                           'ACTIVE',                     'DMI-PROHIBITED-SEECONSTRAINT' || chr(8232)),
  ('t10',                'u_bad',            NULL,                           'ACTIVE',                     NULL),
  ('t11',                'u6',               NULL,                           'ACTIVE',                     NULL),
  ('t12',                'u7',               NULL,                           'ACTIVE',                     NULL),
  ('t13',                'u8',               NULL,                           'ACTIVE',                     NULL),
  ('t14',                'u9',               NULL,                           'ACTIVE',                     NULL),
  (chr(8203),            'u1',               NULL,                           'ACTIVE',                     NULL),
  (chr(160),             'u1',               NULL,                           'ACTIVE',                     NULL),
  (chr(31) || ' ',       'u1',               NULL,                           'ACTIVE',                     NULL),
  (NULL,                 'u1',               NULL,                           'ACTIVE',                     NULL),
  ('t20',                chr(8232),          NULL,                           'ACTIVE',                     NULL),
  ('t21',                'u1',               NULL,                           NULL,                         NULL),
  ('t22',                'u1',               NULL,                           'Taken-Down',                 NULL),
  ('dup',                'u1',               NULL,                           'ACTIVE',                     NULL),
  ('dup',                '',                 NULL,                           'ACTIVE',                     NULL),
  ('dup2',               'u1',               NULL,                           'ACTIVE',                     NULL),
  ('dup2',               'u1',               NULL,                           'ACTIVE',                     NULL),
  ('t30',                'u10',              NULL,                           'ACTIVE',                     NULL),
  ('t31',                'u11',              NULL,                           'ACTIVE',                     NULL),
  ('t32',                'u12',              NULL,                           'ACTIVE',                     NULL),
  ('t33',                'u12',              ['NOAİ'],                       'actıve',                     NULL),
  ('t34',                'u12',              NULL,                           'ſtate',                      NULL)
) AS v(track_id, uploader_id, tags, state, embedded_dmi)`);

// valid_from / valid_to are TIMESTAMP without time zone (Spark reads timestamp_ntz; the job reads it as UTC)
await sql('licenses', `
SELECT license_id, track_id, licensor_type, 'name' AS licensor_name, prohibited_purposes::VARCHAR[] AS prohibited_purposes,
       valid_from::TIMESTAMP AS valid_from, valid_to::TIMESTAMP AS valid_to
FROM (VALUES
  ('L9',  't1',   'SELF',                NULL,                                   NULL,                    NULL),
  ('L10', 't1',   ' major_label',        [NULL, 'Generative Training'],          '2026-06-01 00:00:00',   NULL),
  ('l1',  't1',   'Self',                ['content-moderation'],                 NULL,                    '2026-06-01 00:00:00.000001'),
  ('L20', ' t1',  'CREATIVE_COMMONS',    ['  *  '],                              NULL,                    NULL),
  ('L30', 't2',   'DISTRIBUTOR',         [],                                     NULL,                    '2026-06-01 00:00:00'),
  ('L31', 't2',   'PUBLIC_DOMAIN',       NULL,                                   '2026-06-01 00:00:00.000001', NULL),
  ('L40', 't3',   'INDEPENDENT_LABEL',   ['fraud detection', 'recommendation'],  '2020-01-01 00:00:00',   '2030-01-01 00:00:00'),
  ('L41', 't3',   'INDEPENDENT_LABEL',   NULL,                                   NULL,                    NULL),
  ('L50', 't4',   'Major Label',         NULL,                                   NULL,                    NULL),
  ('L60', 't5',   'SELF',                ['marketing_email'],                    NULL,                    NULL),
  ('L61', 't6',   'SELF',                [''],                                   NULL,                    NULL),
  ('L62', 't7',   'SELF',                ['content' || chr(8211) || 'moderation'], NULL,                  NULL),
  ('L63', 't8',   'SELF',                NULL,                                   '2025-01-01 00:00:00',   '2025-01-01 00:00:00'),
  ('L64', 't8',   'SELF',                NULL,                                   '2025-01-02 00:00:00.123456', '2025-01-01 00:00:00'),
  ('L65', 't11',  'SELF',                NULL,                                   NULL,                    NULL),
  ('L65', 't12',  'SELF',                NULL,                                   NULL,                    NULL),
  (chr(160), 't13', 'SELF',              NULL,                                   NULL,                    NULL),
  ('L66', chr(12288), 'SELF',            NULL,                                   NULL,                    NULL),
  ('L67', 't14 ', 'NOPE',                NULL,                                   NULL,                    NULL),
  ('L68', 't30',  NULL,                  NULL,                                   NULL,                    NULL),
  ('L69', 't31',  'SELF',                [chr(160) || 'Recommendation' || chr(9)], NULL,                  NULL),
  ('L70', 't32',  'SELF',                NULL,                                   '2026-05-31 23:59:59.999999', '2026-06-01 00:00:00.000001'),
  ('L71', 't33',  'diﬆributor',          NULL,                                   NULL,                    NULL),
  ('L72', 't33',  'ſelf',                ['Fraud_Detectİon'],                    NULL,                    NULL),
  ('L73', 't34',  'Public_Domaiﬁ',       NULL,                                   NULL,                    NULL)
) AS v(license_id, track_id, licensor_type, prohibited_purposes, valid_from, valid_to)`);

// event_ts is TIMESTAMPTZ; an extra column (channel) must appear in quarantine records
await sql('consents', `
SELECT event_id, user_id, purpose, action, event_ts::TIMESTAMPTZ AS event_ts, 'settings_page' AS source,
       'web' AS channel
FROM (VALUES
  ('e1',  'u1',    '*',                       'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e2',  'u1',    'generative_training',     'OPT_OUT',           '2025-01-01 00:00:00+00'),
  ('e3',  'u1',    'Generative-Training',     ' opt_in' || chr(9), '2025-01-01 00:00:00+00'),
  ('E9',  'u2',    'recommendation',          'OPT_IN',            '2026-06-01 00:00:00+00'),
  ('e1x', 'u2',    'recommendation',          'opt_in',            '2026-06-01 00:00:00+00'),
  ('e5',  'u2',    '*',                       'OPT_OUT',           '2026-06-01 00:00:00.000001+00'),
  ('e6',  'u3',    'Marketing-Email',         'OPT_OUT',           '2025-01-01 00:00:00+00'),
  ('e7',  'u3',    'content moderation',      'OPT_OUT',           '2025-01-01 00:00:00+00'),
  ('e8',  'u3',    'Generative_Training',     'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e10', 'u_bad', 'telepathy',               'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e11', 'u4',    NULL,                      'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e12', 'u4',    chr(160),                  'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e13', ' u4',   'recommendation',          'MAYBE',             NULL),
  ('e14', 'u5',    'recommendation',          'OPT_IN',            NULL),
  ('e15', 'u6',    '*',                       'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e15', 'u7',    '*',                       'OPT_IN',            '2025-01-01 00:00:00+00'),
  (chr(9), 'u8',   '*',                       'OPT_IN',            '2025-01-01 00:00:00+00'),
  ('e16', '',      '*',                       'OPT_IN',            '2025-01-01 00:00:00.987654+00'),
  ('e17', 'u9',    '*',                       'OPT_IN',            '2025-01-01 00:00:00.5+00'),
  ('e18', 'u9',    'recommendation',          'OPT_OUT',           '2025-01-01 00:00:00.499999+00'),
  ('e19', 'u10',   'generative_training',     'OPT_IN',            '2026-05-31 23:59:59.999999+00'),
  ('e20', 'u10',   'generative_training',     'OPT_OUT',           '2026-06-01 00:00:00.000001+00'),
  ('e21', 'u11',   '*',                       'opt_out',           '2026-06-01 00:00:00+00'),
  ('e22', 'u11',   'generative_training',     'OPT_IN',            '2026-06-01 00:00:00+00'),
  ('e23', 'u12',   'recommendatİon',          'OPT_OUT',           '2025-01-01 00:00:00+00'),
  ('e24', 'u12',   'Marketing_Email',         'opt_ıN',            '2025-01-01 00:00:00+00')
) AS v(event_id, user_id, purpose, action, event_ts)`);
db.closeSync();
instance.closeSync();
console.log(`edge-case lake written to ${out}`);
