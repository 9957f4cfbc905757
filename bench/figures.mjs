// The figures every contender must produce, in one normalised shape, and their comparison.
//
// What is computed (loupe-core's `kernel_rollups`, issue 4's kernel): the overview, six group-bys and an
// hourly series, each group with observations, distinct traces, errors, warnings, error rate, input /
// output / total tokens, cost (USD, estimated from the models list where Langfuse gave none), the number of
// observations with a duration and their exact nearest-rank P50 / P95 / P99 latency; and a latency
// histogram (10 log-spaced bins per decade).
//
// Shape: `{ sections, histogram, first_start_ms, last_start_ms }` where `sections` maps `overview`, the six
// dimensions (`Model`, `Service`, `User`, `Session`, `Environment`, `ObservationType`, as loupe-core's
// `Dimension` serialises) and `hourly` to `{ groupKey: figures }` (the missing value as MISSING, hourly keys
// the bucket start in Unix ms, a bucket without observations `null`); figures as loupe-core's `Figures`
// (see `figuresShape`); the histogram as `[{lower_ms, upper_ms, count}]`.
//
// Comparison: the same sections, groups and fields; numbers equal within 1e-9 relative (exact for every
// count below 10^9; costs and means are floating-point sums whose order may differ between contenders).

export const MISSING = "(missing)";

/** Nearest-rank quantile num/den of ascending `sorted` (k = ceil(q·n), 1-based), as loupe-core computes it. */
export function nearestRank(sorted, num, den) {
  const n = sorted.length;
  const rank = Math.min(Math.max(Math.floor((num * n + den - 1) / den), 1), n);
  return sorted[rank - 1];
}

/** Nearest-rank P50 / P95 / P99 of ascending values; null when empty. */
export function latency3(sorted) {
  if (sorted.length === 0) return null;
  return { p50_ms: nearestRank(sorted, 1, 2), p95_ms: nearestRank(sorted, 19, 20), p99_ms: nearestRank(sorted, 99, 100) };
}

/** The log-spaced histogram of loupe-core's `histogram` module (exact edge comparisons, leading bin). */
export function histogram(values, binsPerDecade) {
  if (values.length === 0) return [];
  const bpd = Math.min(Math.max(binsPerDecade, 1), 100);
  const edge = (k) => Math.pow(10, k / bpd);
  let max = -Infinity;
  let min = Infinity;
  let minPositive = Infinity;
  for (const v of values) {
    if (v > max) max = v;
    if (v < min) min = v;
    if (v >= 1 && v < minPositive) minPositive = v;
  }
  if (minPositive === Infinity) minPositive = 1;
  let kMin = Math.floor(Math.log10(minPositive) * bpd);
  while (edge(kMin) > minPositive) kMin--;
  const edges = [edge(kMin)];
  for (let k = kMin; edges[edges.length - 1] <= max && edges.length < 10_000; ) edges.push(edge(++k));
  const leading = min < edges[0];
  const nBins = edges.length - 1 + (leading ? 1 : 0);
  const counts = new Array(nBins).fill(0);
  for (const v of values) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    const bin = leading ? lo : Math.max(lo - 1, 0);
    counts[Math.min(bin, nBins - 1)]++;
  }
  return counts.map((count, i) => {
    if (leading) {
      return i === 0
        ? { lower_ms: min, upper_ms: edges[0], count }
        : { lower_ms: edges[i - 1], upper_ms: edges[i], count };
    }
    return { lower_ms: edges[i], upper_ms: edges[i + 1], count };
  });
}

/** loupe-core `Figures` (serde JSON) in the normalised shape. */
export function figuresShape(f) {
  if (f == null) return null;
  return {
    observations: f.observations,
    traces: f.traces,
    errors: f.errors,
    warnings: f.warnings,
    error_rate: f.error_rate,
    input_tokens: f.input_tokens,
    output_tokens: f.output_tokens,
    total_tokens: f.total_tokens,
    cost_usd: f.cost_usd,
    timed: f.timed,
    latency_ms: f.latency_ms,
  };
}

/** The engine's kernel JSON (`Engine.kernel_json`: group keys as text) in the normalised shape. */
export function engineFigures(r) {
  const sections = { overview: { [MISSING]: figuresShape(r.overview) } };
  for (const d of r.group_bys) {
    sections[d.dimension] = Object.fromEntries(d.groups.map((g) => [g.key ?? MISSING, figuresShape(g)]));
  }
  sections.hourly = Object.fromEntries(r.hourly.map((b) => [b.start_ms, figuresShape(b.figures)]));
  return {
    sections,
    histogram: r.latency_histogram.bins.map((b) => ({ lower_ms: b.lower_ms, upper_ms: b.upper_ms, count: b.count })),
    first_start_ms: r.first_start_ms,
    last_start_ms: r.last_start_ms,
  };
}

function close(a, b) {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Differences between two normalised figure sets, as `path: want vs got` lines (at most `limit`).
 * @returns {{count: number, lines: string[]}}
 */
export function compareFigures(want, got, limit = 12) {
  const lines = [];
  let count = 0;
  const note = (path, a, b) => {
    count++;
    if (lines.length < limit) lines.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  };
  const walk = (path, a, b) => {
    if (typeof a === "number" && typeof b === "number") {
      if (!close(a, b)) note(path, a, b);
    } else if (a && b && typeof a === "object" && typeof b === "object") {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) {
        if (!(k in a) || !(k in b)) note(`${path}.${k}`, a[k], b[k]);
        else walk(`${path}.${k}`, a[k], b[k]);
      }
    } else if (a !== b) {
      note(path, a, b);
    }
  };
  walk("", want, got);
  return { count, lines };
}
