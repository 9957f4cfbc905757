// The plain JavaScript peer: `JSON.parse` of the page bodies, then a straightforward rollup over the row
// objects computing the engine's kernel (loupe-core `kernel_rollups`): the overview, six group-bys (model,
// service, user, session, environment, observation type) and an hourly series in UTC, each group with
// observations, distinct traces, errors, warnings, error rate, input / output / total tokens, cost (with
// estimates from the models list) and the exact nearest-rank P50 / P95 / P99 latency; and a latency
// histogram (10 bins per decade).
//
// Written the way a competent JS developer would: one pass to derive per-row values and traces (Map by
// trace id), one pass per grouping accumulating into per-group objects (latencies pushed into arrays,
// distinct traces in a Set), then typed-array sorts for the exact (nearest-rank) quantiles. Groups are not
// ordered (the engine lists them in dictionary order, DuckDB in hash order). Output: the normalised
// figures of `figures.mjs`.

import { LEVEL_SEVERITY, SEV_ERROR, SEV_WARNING, TYPES, rootRank, rowMoney, text, timeMs } from "./rows.mjs";
import { histogram, latency3, MISSING } from "./figures.mjs";

const HOUR_MS = 3_600_000;

/** Parses page bodies (strings) into page objects. */
export function parsePages(texts) {
  const out = new Array(texts.length);
  for (let i = 0; i < texts.length; i++) out[i] = JSON.parse(texts[i]);
  return out;
}

function newGroup() {
  return {
    observations: 0,
    errors: 0,
    warnings: 0,
    traces: new Set(),
    latencies: [],
    input: 0,
    output: 0,
    total: 0,
    cost: 0,
  };
}

function finish(g) {
  const lat = Float64Array.from(g.latencies).sort();
  return {
    observations: g.observations,
    traces: g.traces.size,
    errors: g.errors,
    warnings: g.warnings,
    error_rate: g.observations > 0 ? g.errors / g.observations : null,
    input_tokens: g.input,
    output_tokens: g.output,
    total_tokens: g.total,
    cost_usd: g.cost,
    timed: lat.length,
    latency_ms: latency3(lat),
  };
}

/**
 * The kernel's rollups of page objects.
 * @param {Array<{data: object[]}>} pages parsed v2 pages
 * @param {import("./pricing.mjs").Pricing} pricing
 */
export function rollupsJs(pages, pricing) {
  const rows = [];
  for (const p of pages) for (const r of p.data) rows.push(r);
  const n = rows.length;

  // Per-row values.
  const start = new Float64Array(n);
  const dur = new Float64Array(n).fill(NaN);
  const sev = new Uint8Array(n);
  const traceOf = new Int32Array(n);
  const money = new Array(n);
  const traceIndex = new Map();
  const traces = []; // per trace: {root, rank, name, user, session, env}
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const s = timeMs(r.startTime) ?? 0;
    start[i] = s;
    const e = timeMs(r.endTime);
    if (e !== null) dur[i] = e - s;
    const level = text(r.level);
    sev[i] = level === null ? LEVEL_SEVERITY.DEFAULT : (LEVEL_SEVERITY[level] ?? 0);
    money[i] = r.usageDetails || r.costDetails ? rowMoney(r, pricing) : null;

    const traceId = text(r.traceId);
    let t = traceIndex.get(traceId);
    if (t === undefined) {
      t = traces.length;
      traceIndex.set(traceId, t);
      traces.push({ root: -1, rank: 0, name: null, user: null, session: null, env: null });
    }
    traceOf[i] = t;
    const tr = traces[t];
    tr.name ??= text(r.traceName);
    tr.user ??= text(r.userId);
    tr.session ??= text(r.sessionId);
    tr.env ??= text(r.environment);
    const rank = rootRank(r, traceId);
    if (rank > 0 && (rank > tr.rank || (rank === tr.rank && s < start[tr.root]))) {
      tr.root = i;
      tr.rank = rank;
    }
  }
  for (let t = 0; t < traces.length; t++) {
    const tr = traces[t];
    if (tr.root >= 0) {
      const root = rows[tr.root];
      tr.name = text(root.traceName) ?? tr.name ?? text(root.name);
      tr.user = text(root.userId) ?? tr.user;
      tr.session = text(root.sessionId) ?? tr.session;
      tr.env = text(root.environment) ?? tr.env;
    }
  }

  // Group keys per grouping.
  const keyOf = {
    overview: () => MISSING,
    Model: (i) => text(rows[i].model) ?? MISSING,
    Service: (i) => traces[traceOf[i]].name ?? MISSING,
    User: (i) => traces[traceOf[i]].user ?? MISSING,
    Session: (i) => traces[traceOf[i]].session ?? MISSING,
    Environment: (i) => text(rows[i].environment) ?? traces[traceOf[i]].env ?? MISSING,
    ObservationType: (i) => {
      const t = text(rows[i].type);
      return TYPES.has(t) ? t : "OTHER";
    },
    hourly: (i) => Math.floor(start[i] / HOUR_MS) * HOUR_MS,
  };

  const sections = {};
  for (const [section, key] of Object.entries(keyOf)) {
    const groups = new Map();
    for (let i = 0; i < n; i++) {
      const k = key(i);
      let g = groups.get(k);
      if (g === undefined) {
        g = newGroup();
        groups.set(k, g);
      }
      g.observations++;
      if (sev[i] === SEV_ERROR) g.errors++;
      else if (sev[i] === SEV_WARNING) g.warnings++;
      g.traces.add(traceOf[i]);
      const d = dur[i];
      if (!Number.isNaN(d)) g.latencies.push(d);
      const m = money[i];
      if (m !== null) {
        g.input += m.input;
        g.output += m.output;
        g.total += m.total;
        g.cost += m.cost;
      }
    }
    const out = {};
    for (const [k, g] of groups) out[k] = finish(g);
    sections[section] = out;
  }

  // Hourly buckets without observations are gaps (null), as the engine reports them.
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    if (start[i] < first) first = start[i];
    if (start[i] > last) last = start[i];
  }
  const hourly = {};
  if (n > 0) {
    for (let b = Math.floor(first / HOUR_MS) * HOUR_MS; b <= last; b += HOUR_MS) {
      hourly[b] = sections.hourly[b] ?? null;
    }
  }
  sections.hourly = hourly;

  const latencies = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(dur[i])) latencies.push(dur[i]);
  return {
    sections,
    histogram: histogram(latencies, 10),
    first_start_ms: n ? first : null,
    last_start_ms: n ? last : null,
  };
}
