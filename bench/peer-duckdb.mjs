// The DuckDB-wasm peer: the same rows loaded into DuckDB-wasm (npm @duckdb/duckdb-wasm, served from
// bench/node_modules, EH bundle, no extension autoloading: this machine is offline) and the engine's
// kernel (loupe-core `kernel_rollups`) computed in SQL.
//
// Loading: DuckDB-wasm 1.32 has no JSON reader built in (`read_json` lives in the `json` extension, which
// would be downloaded), so the page bodies go through `JSON.parse` and are flattened into Arrow columns
// (rows, usage entries and cost entries, costs estimated from the models list in JS by the same rules as
// the engine) and inserted with `insertArrowTable`. SQL then derives, once per load (as the engine caches
// its trace index): per-row input / output / total tokens and cost, the traces (root and its context:
// service, user, session, environment), and one denormalised fact table carrying every group-by column.
//
// The kernel (what "DuckDB queries" times): two queries over that table — per-group figures for all
// groupings at once (GROUPING SETS: overview, model, service, user, session, environment, type, hour;
// observations, distinct traces, errors, warnings, token sums, cost, latency count and exact quantiles
// (quantile_disc)), and the histogram bin counts. Results arrive in the page as Arrow tables; turning them
// into the normalised figures happens outside the timing.

import * as duckdb from "./node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs";
import * as arrow from "apache-arrow";
import { LEVEL_SEVERITY, TYPES, rowMoney, text, timeMs } from "./rows.mjs";
import { MISSING } from "./figures.mjs";

const DIST = new URL("./node_modules/@duckdb/duckdb-wasm/dist/", import.meta.url).href;
const DIMS = ["model", "service", "user_id", "session_id", "env", "obs_type", "hour"];
const SECTION = {
  model: "Model",
  service: "Service",
  user_id: "User",
  session_id: "Session",
  env: "Environment",
  obs_type: "ObservationType",
  hour: "hourly",
};
const LAT_Q = "[0.5, 0.95, 0.99]";

/** Opens DuckDB-wasm (EH bundle) offline; returns `{db, conn}`. */
export async function openDuckDb() {
  const worker = new Worker(`${DIST}duckdb-browser-eh.worker.js`);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(`${DIST}duckdb-eh.wasm`);
  await db.open({ query: { castBigIntToDouble: true }, autoload_known_extensions: false });
  const conn = await db.connect();
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  const version = (await conn.query("SELECT version() AS v")).toArray()[0].v;
  return { db, conn, version };
}

const encoder = new TextEncoder();

/**
 * A Utf8 Arrow vector of strings (null allowed). Arrow's generic builder costs ~2 µs a string, which would
 * make the loading of DuckDB look slower than DuckDB is; this joins the strings and encodes them once.
 */
function utf8(values) {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  const parts = new Array(n);
  let nulls = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v == null) {
      nulls++;
      parts[i] = "";
    } else {
      validity[i >> 3] |= 1 << (i & 7);
      parts[i] = v;
    }
    chars += parts[i].length;
    offsets[i + 1] = chars;
  }
  const joined = parts.join("");
  const bytes = encoder.encode(joined);
  if (bytes.length !== joined.length) {
    // Non-ASCII text: byte offsets differ from character offsets.
    let at = 0;
    for (let i = 0; i < n; i++) {
      at += encoder.encode(parts[i]).length;
      offsets[i + 1] = at;
    }
  }
  const data = arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    nullCount: nulls,
    nullBitmap: nulls ? validity : null,
    valueOffsets: offsets,
    data: bytes,
  });
  return arrow.makeVector(data);
}

/** Flattens parsed pages into Arrow tables of rows, usage entries and cost entries. */
export function flatten(pages, firstRow, pricing) {
  let n = 0;
  for (const p of pages) n += p.data.length;
  const c = {
    row_id: new Int32Array(n),
    start_ms: new Float64Array(n),
    end_ms: new Float64Array(n),
    sev: new Uint8Array(n),
    is_root: new Uint8Array(n),
    id: new Array(n),
    trace_id: new Array(n),
    parent_id: new Array(n),
    obs_type: new Array(n),
    name: new Array(n),
    model: new Array(n),
    env: new Array(n),
    trace_name: new Array(n),
    user_id: new Array(n),
    session_id: new Array(n),
  };
  const u = { row_id: [], key: [], units: [] };
  const k = { row_id: [], key: [], usd: [] };
  let i = 0;
  for (const p of pages) {
    for (const r of p.data) {
      const row = firstRow + i;
      const s = timeMs(r.startTime) ?? 0;
      const e = timeMs(r.endTime);
      const level = text(r.level);
      const type = text(r.type);
      c.row_id[i] = row;
      c.start_ms[i] = s;
      c.end_ms[i] = e ?? NaN;
      c.sev[i] = level === null ? LEVEL_SEVERITY.DEFAULT : (LEVEL_SEVERITY[level] ?? 0);
      c.is_root[i] = r.isRootObservation === true ? 1 : 0;
      c.id[i] = text(r.id);
      c.trace_id[i] = text(r.traceId);
      c.parent_id[i] = text(r.parentObservationId);
      c.obs_type[i] = TYPES.has(type) ? type : "OTHER";
      c.name[i] = text(r.name);
      c.model[i] = text(r.model);
      c.env[i] = text(r.environment);
      c.trace_name[i] = text(r.traceName);
      c.user_id[i] = text(r.userId);
      c.session_id[i] = text(r.sessionId);
      const m = rowMoney(r, pricing);
      for (const [key, units] of m.usage) {
        u.row_id.push(row);
        u.key.push(key);
        u.units.push(units);
      }
      for (let j = 0; j < m.costKeys.length; j++) {
        k.row_id.push(row);
        k.key.push(m.costKeys[j]);
        k.usd.push(m.costUsd[j]);
      }
      i++;
    }
  }
  const rows = new arrow.Table({
    row_id: arrow.makeVector(c.row_id),
    start_ms: arrow.makeVector(c.start_ms),
    end_ms: arrow.makeVector(c.end_ms),
    sev: arrow.makeVector(c.sev),
    is_root: arrow.makeVector(c.is_root),
    id: utf8(c.id),
    trace_id: utf8(c.trace_id),
    parent_id: utf8(c.parent_id),
    obs_type: utf8(c.obs_type),
    name: utf8(c.name),
    model: utf8(c.model),
    env: utf8(c.env),
    trace_name: utf8(c.trace_name),
    user_id: utf8(c.user_id),
    session_id: utf8(c.session_id),
  });
  const usage = new arrow.Table({
    row_id: arrow.makeVector(Int32Array.from(u.row_id)),
    key: utf8(u.key),
    units: arrow.makeVector(Float64Array.from(u.units)),
  });
  const cost = new arrow.Table({
    row_id: arrow.makeVector(Int32Array.from(k.row_id)),
    key: utf8(k.key),
    usd: arrow.makeVector(Float64Array.from(k.usd)),
  });
  return { rows, usage, cost, n };
}

const DERIVE = [
  `CREATE OR REPLACE TABLE obs AS SELECT row_id, id, trace_id, parent_id, is_root = 1 AS is_root,
     start_ms::BIGINT AS start_ms,
     CASE WHEN isnan(end_ms) THEN NULL ELSE end_ms::BIGINT END AS end_ms,
     sev::TINYINT AS sev, obs_type, name, model, env, trace_name, user_id, session_id
   FROM raw_rows`,
  `CREATE OR REPLACE TABLE row_tok AS SELECT row_id,
     sum(units) FILTER (WHERE contains(key, 'input'))::BIGINT AS tok_in,
     sum(units) FILTER (WHERE contains(key, 'output'))::BIGINT AS tok_out,
     coalesce(sum(units) FILTER (WHERE key = 'total'), sum(units))::BIGINT AS tok_total
   FROM raw_usage GROUP BY row_id`,
  `CREATE OR REPLACE TABLE row_cost AS SELECT row_id,
     coalesce(first(usd) FILTER (WHERE key = 'total'), sum(usd) FILTER (WHERE key <> 'total'), 0) AS cost_usd
   FROM raw_cost GROUP BY row_id`,
  // Root: the legacy `t-<traceId>` row, else a parentless row flagged isRootObservation, else any parentless
  // row; ties to the earliest start, then the first row. Context: the root's value, else the first row's.
  `CREATE OR REPLACE TABLE traces AS
   WITH ranked AS (
     SELECT *, CASE WHEN id = 't-' || trace_id THEN 3 WHEN parent_id IS NULL AND is_root THEN 2
                    WHEN parent_id IS NULL THEN 1 ELSE 0 END AS root_rank
     FROM obs),
   placed AS (
     SELECT *, root_rank > 0 AND row_number() OVER (PARTITION BY trace_id ORDER BY root_rank DESC, start_ms, row_id) = 1 AS is_root_row
     FROM ranked)
   SELECT trace_id, row_number() OVER (ORDER BY min(row_id))::INTEGER AS trace_no,
     coalesce(any_value(trace_name) FILTER (WHERE is_root_row), arg_min(trace_name, row_id) FILTER (WHERE trace_name IS NOT NULL),
              any_value(name) FILTER (WHERE is_root_row)) AS service,
     coalesce(any_value(user_id) FILTER (WHERE is_root_row), arg_min(user_id, row_id) FILTER (WHERE user_id IS NOT NULL)) AS user_id,
     coalesce(any_value(session_id) FILTER (WHERE is_root_row), arg_min(session_id, row_id) FILTER (WHERE session_id IS NOT NULL)) AS session_id,
     coalesce(any_value(env) FILTER (WHERE is_root_row), arg_min(env, row_id) FILTER (WHERE env IS NOT NULL)) AS env
   FROM placed GROUP BY trace_id`,
  `CREATE OR REPLACE TABLE facts AS
   SELECT o.row_id, t.trace_no, o.start_ms, o.end_ms - o.start_ms AS dur_ms, o.sev,
     o.obs_type, o.model, coalesce(o.env, t.env) AS env, t.service, t.user_id, t.session_id,
     (o.start_ms // 3600000) * 3600000 AS hour,
     coalesce(k.tok_in, 0) AS tok_in, coalesce(k.tok_out, 0) AS tok_out, coalesce(k.tok_total, 0) AS tok_total,
     coalesce(c.cost_usd, 0) AS cost_usd
   FROM obs o JOIN traces t USING (trace_id) LEFT JOIN row_tok k USING (row_id) LEFT JOIN row_cost c USING (row_id)
   ORDER BY o.row_id`,
  `DROP TABLE raw_rows`,
  `DROP TABLE raw_usage`,
  `DROP TABLE raw_cost`,
  `DROP TABLE obs`,
  `DROP TABLE row_tok`,
  `DROP TABLE row_cost`,
];

const SETS = `GROUPING SETS ((), ${DIMS.map((d) => `(${d})`).join(", ")})`;
// One GROUPING() flag per column (1 = not grouped), so the grouping set of a result row is unambiguous.
const GID = DIMS.map((d) => `GROUPING(${d}) AS g_${d}`).join(", ");

export const KERNEL = {
  rows: `SELECT ${GID}, ${DIMS.join(", ")},
      count(*) AS observations, count(DISTINCT trace_no) AS traces,
      count(*) FILTER (WHERE sev = 4) AS errors, count(*) FILTER (WHERE sev = 3) AS warnings,
      sum(tok_in)::BIGINT AS tok_in, sum(tok_out)::BIGINT AS tok_out, sum(tok_total)::BIGINT AS tok_total,
      sum(cost_usd) AS cost_usd,
      count(dur_ms) AS lat_count, quantile_disc(dur_ms, ${LAT_Q})::DOUBLE[] AS lat_q,
      min(start_ms) AS first_start, max(start_ms) AS last_start
    FROM facts GROUP BY ${SETS}`,
  // Grid index k of the bin [10^(k/10), 10^((k+1)/10)) holding each duration >= 1 ms, corrected for the
  // rounding of log10; durations below 1 ms fall in the leading bin (k NULL).
  histogram: `WITH v AS (SELECT dur_ms, floor(log10(dur_ms) * 10)::INTEGER AS k0 FROM facts WHERE dur_ms >= 1)
    SELECT k0 + (pow(10, (k0 + 1) / 10) <= dur_ms)::INTEGER - (pow(10, k0 / 10) > dur_ms)::INTEGER AS k, count(*) AS n
    FROM v GROUP BY k
    UNION ALL SELECT NULL, count(*) FROM facts WHERE dur_ms < 1
    UNION ALL SELECT -1000000, min(dur_ms) FROM facts`,
};

/** Drops every table (between runs). */
export async function reset(conn) {
  const tables = (await conn.query("SELECT table_name FROM information_schema.tables")).toArray();
  for (const t of tables) await conn.query(`DROP TABLE IF EXISTS "${t.table_name}"`);
}

/**
 * Loads page bodies (bytes) into DuckDB: decode, parse, flatten, insert, derive. Chunks of `chunkPages` pages
 * keep the JS heap small at a million rows. Returns timings in ms.
 */
export async function load(conn, bodies, pricing, chunkPages = 100) {
  const t0 = performance.now();
  const decoder = new TextDecoder();
  let parseMs = 0;
  let insertMs = 0;
  let rowsSoFar = 0;
  for (let from = 0; from < bodies.length; from += chunkPages) {
    const a = performance.now();
    const pages = [];
    for (let i = from; i < Math.min(from + chunkPages, bodies.length); i++) {
      pages.push(JSON.parse(decoder.decode(bodies[i])));
    }
    const t = flatten(pages, rowsSoFar, pricing);
    rowsSoFar += t.n;
    const b = performance.now();
    const create = from === 0;
    await conn.insertArrowTable(t.rows, { name: "raw_rows", create });
    await conn.insertArrowTable(t.usage, { name: "raw_usage", create });
    await conn.insertArrowTable(t.cost, { name: "raw_cost", create });
    const c = performance.now();
    parseMs += b - a;
    insertMs += c - b;
  }
  const d = performance.now();
  for (const sql of DERIVE) await conn.query(sql);
  const deriveMs = performance.now() - d;
  return { parseMs, insertMs, deriveMs, totalMs: performance.now() - t0, rows: rowsSoFar };
}

/** Runs the kernel queries; returns their Arrow results. */
export async function kernel(conn) {
  const out = {};
  for (const [name, sql] of Object.entries(KERNEL)) out[name] = await conn.query(sql);
  return out;
}

// ---- Arrow results → normalised figures (outside the timing) ----

const num = (v) => (v == null ? null : Number(v));
const list = (v) => (v == null ? null : Array.from(v.toArray(), Number));

function sectionOf(row) {
  const grouped = DIMS.filter((d) => Number(row[`g_${d}`]) === 0);
  if (grouped.length === 0) return ["overview", MISSING];
  if (grouped.length > 1) throw new Error(`unexpected grouping set ${grouped}`);
  const v = row[grouped[0]];
  return [SECTION[grouped[0]], v == null ? MISSING : String(v)];
}

/** The normalised figures of the kernel's results. */
export function duckFigures(res) {
  const sections = { overview: {} };
  for (const s of Object.values(SECTION)) sections[s] = {};
  let first = null;
  let last = null;
  for (const r of res.rows.toArray()) {
    const [section, key] = sectionOf(r);
    const observations = num(r.observations);
    const timed = num(r.lat_count);
    const q = list(r.lat_q);
    sections[section][key] = {
      observations,
      traces: num(r.traces),
      errors: num(r.errors),
      warnings: num(r.warnings),
      error_rate: observations > 0 ? num(r.errors) / observations : null,
      input_tokens: num(r.tok_in),
      output_tokens: num(r.tok_out),
      total_tokens: num(r.tok_total),
      cost_usd: num(r.cost_usd),
      timed,
      latency_ms: timed ? { p50_ms: q[0], p95_ms: q[1], p99_ms: q[2] } : null,
    };
    if (section === "overview") {
      first = num(r.first_start);
      last = num(r.last_start);
    }
  }
  // Hourly gaps: every hour from the first to the last start, null where no row started.
  const hourly = {};
  if (first !== null) {
    for (let b = Math.floor(first / 3_600_000) * 3_600_000; b <= last; b += 3_600_000) {
      hourly[b] = sections.hourly[b] ?? null;
    }
  }
  sections.hourly = hourly;
  return { sections, histogram: histogramBins(res.histogram.toArray()), first_start_ms: first, last_start_ms: last };
}

function histogramBins(rows) {
  let leading = 0;
  let min = 0;
  const counts = new Map();
  for (const r of rows) {
    if (r.k === null) leading = num(r.n);
    else if (num(r.k) === -1000000) min = num(r.n);
    else counts.set(num(r.k), num(r.n));
  }
  const ks = [...counts.keys()];
  if (ks.length === 0 && leading === 0) return [];
  const edge = (k) => Math.pow(10, k / 10);
  const kMin = ks.length ? Math.min(...ks) : 0;
  const kMax = ks.length ? Math.max(...ks) : 0;
  const bins = [];
  if (leading > 0) bins.push({ lower_ms: min, upper_ms: edge(kMin), count: leading });
  for (let k = kMin; k <= kMax; k++) bins.push({ lower_ms: edge(k), upper_ms: edge(k + 1), count: counts.get(k) ?? 0 });
  return bins;
}
