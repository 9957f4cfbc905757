// The plain JavaScript peer: `JSON.parse` of the page bodies, then a straightforward rollup over the row
// objects computing the engine's standard set (loupe-core `standard_rollups`): the overview, six group-bys
// (model, service, user, session, environment, observation type), a latency histogram (10 bins per decade)
// and an hourly series in UTC, each group with every `Stats` figure (counts, distinct traces, errors,
// warnings, trace errors, token classes, usage and cost by key, cost with estimates, latency mean / P50 /
// P75 / P90 / P95 / P99 / P99.9 / max at observation and trace level, TTFT P50/P95, output tokens per second).
//
// Written the way a competent JS developer would: one pass to derive per-row values and traces (Map by
// trace id), one pass per grouping accumulating into per-group objects (latencies pushed into arrays,
// distinct traces in a Set), then typed-array sorts for the exact (nearest-rank) quantiles. Output: the
// normalised figures of `figures.mjs`.

import { LEVEL_SEVERITY, SEV_ERROR, SEV_WARNING, TYPES, rootRank, rowMoney, text, timeMs } from "./rows.mjs";
import { histogram, latencyStats, MISSING, nearestRank } from "./figures.mjs";

const HOUR_MS = 3_600_000;

/** Parses page bodies (strings) into page objects. */
export function parsePages(texts) {
  const out = new Array(texts.length);
  for (let i = 0; i < texts.length; i++) out[i] = JSON.parse(texts[i]);
  return out;
}

function newGroup(key) {
  return {
    key,
    observations: 0,
    errors: 0,
    warnings: 0,
    traces: new Set(),
    latencies: [],
    latencySum: 0,
    ttfts: [],
    input: 0,
    output: 0,
    cached: 0,
    reasoning: 0,
    total: 0,
    cost: 0,
    estimated: 0,
    usageByKey: new Map(),
    costByKey: new Map(),
    tpsTokens: 0,
    tpsMs: 0,
  };
}

function finish(g, traceLatency, traceSeverity) {
  const lat = Float64Array.from(g.latencies).sort();
  const traceLat = new Float64Array(g.traces.size);
  let traceErrors = 0;
  let i = 0;
  for (const t of g.traces) {
    traceLat[i++] = traceLatency[t];
    if (traceSeverity[t] === SEV_ERROR) traceErrors++;
  }
  traceLat.sort();
  let traceSum = 0;
  for (const v of traceLat) traceSum += v;
  const ttft = Float64Array.from(g.ttfts).sort();
  const rate = (a, b) => (b > 0 ? a / b : null);
  return {
    observations: g.observations,
    traces: g.traces.size,
    errors: g.errors,
    warnings: g.warnings,
    error_rate: rate(g.errors, g.observations),
    trace_errors: traceErrors,
    tokens: { input: g.input, output: g.output, cached: g.cached, reasoning: g.reasoning, total: g.total },
    usage_by_key: Object.fromEntries(g.usageByKey),
    cost_usd: g.cost,
    cost_by_key: Object.fromEntries(g.costByKey),
    estimated_cost_rows: g.estimated,
    latency_ms: latencyStats(lat, g.latencySum),
    trace_latency_ms: latencyStats(traceLat, traceSum),
    ttft_ms: ttft.length ? { count: ttft.length, p50: nearestRank(ttft, 1, 2), p95: nearestRank(ttft, 19, 20) } : null,
    output_tokens_per_second: g.tpsMs > 0 ? g.tpsTokens / (g.tpsMs / 1000) : null,
  };
}

/**
 * The standard rollups of page objects.
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
  const ttft = new Float64Array(n).fill(NaN);
  const sev = new Uint8Array(n);
  const traceOf = new Int32Array(n);
  const money = new Array(n);
  const traceIndex = new Map();
  const traces = []; // per trace: {start, end, sev, root, rank, name, user, session, env}
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const s = timeMs(r.startTime) ?? 0;
    start[i] = s;
    const e = timeMs(r.endTime);
    if (e !== null) dur[i] = e - s;
    const c = timeMs(r.completionStartTime);
    if (c !== null) ttft[i] = c - s;
    const level = text(r.level);
    sev[i] = level === null ? LEVEL_SEVERITY.DEFAULT : (LEVEL_SEVERITY[level] ?? 0);
    money[i] = r.usageDetails || r.costDetails ? rowMoney(r, pricing) : null;

    const traceId = text(r.traceId);
    let t = traceIndex.get(traceId);
    if (t === undefined) {
      t = traces.length;
      traceIndex.set(traceId, t);
      traces.push({ start: Infinity, end: -Infinity, sev: 0, root: -1, rank: 0, name: null, user: null, session: null, env: null });
    }
    traceOf[i] = t;
    const tr = traces[t];
    const end = e !== null && e > s ? e : s;
    if (s < tr.start) tr.start = s;
    if (end > tr.end) tr.end = end;
    if (sev[i] > tr.sev) tr.sev = sev[i];
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
  const traceLatency = new Float64Array(traces.length);
  const traceSeverity = new Uint8Array(traces.length);
  for (let t = 0; t < traces.length; t++) {
    const tr = traces[t];
    traceLatency[t] = tr.end >= tr.start ? tr.end - tr.start : 0;
    traceSeverity[t] = tr.sev;
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
        g = newGroup(k);
        groups.set(k, g);
      }
      g.observations++;
      if (sev[i] === SEV_ERROR) g.errors++;
      else if (sev[i] === SEV_WARNING) g.warnings++;
      g.traces.add(traceOf[i]);
      const d = dur[i];
      if (!Number.isNaN(d)) {
        g.latencies.push(d);
        g.latencySum += d;
      }
      if (!Number.isNaN(ttft[i])) g.ttfts.push(ttft[i]);
      const m = money[i];
      if (m !== null) {
        g.input += m.input;
        g.output += m.output;
        g.cached += m.cached;
        g.reasoning += m.reasoning;
        g.total += m.total;
        g.cost += m.cost;
        if (m.estimated) g.estimated++;
        if (d > 0 && m.output > 0) {
          g.tpsTokens += m.output;
          g.tpsMs += d;
        }
        for (const [k, u] of m.usage) g.usageByKey.set(k, (g.usageByKey.get(k) ?? 0) + u);
        for (let j = 0; j < m.costKeys.length; j++) {
          const k = m.costKeys[j];
          g.costByKey.set(k, (g.costByKey.get(k) ?? 0) + m.costUsd[j]);
        }
      }
    }
    // Largest groups first, then by key, as a dashboard shows them.
    const sorted = [...groups.values()].sort(
      (a, b) => b.observations - a.observations || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    const out = {};
    for (const g of sorted) out[g.key] = finish(g, traceLatency, traceSeverity);
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
