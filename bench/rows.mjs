// What both peers read from a parsed v2 observation object, by the definitions of loupe-core (API.md §10):
// `""` is missing; times are ISO strings parsed to Unix ms; duration = end − start and time to first token
// = completionStartTime − start (ms, missing without the later time); usage = the numeric entries of
// `usageDetails` in wire order; cost = the numeric entries of `costDetails`, or an estimate from the models
// list when Langfuse gave none (or only zeros) and the row has usage; token classes by key name.

export const LEVEL_SEVERITY = { DEBUG: 1, DEFAULT: 2, WARNING: 3, ERROR: 4 };
export const SEV_ERROR = 4;
export const SEV_WARNING = 3;
export const TYPES = new Set([
  "SPAN",
  "GENERATION",
  "EVENT",
  "AGENT",
  "TOOL",
  "CHAIN",
  "RETRIEVER",
  "EVALUATOR",
  "EMBEDDING",
  "GUARDRAIL",
]);

/** A string field with `""` and non-strings as missing (null). */
export function text(v) {
  if (v == null || v === "") return null;
  return typeof v === "string" ? v : String(v);
}

export function timeMs(v) {
  if (typeof v !== "string" || v === "") return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

function numericEntries(obj) {
  const out = [];
  if (!obj || typeof obj !== "object") return out;
  for (const k in obj) {
    const v = obj[k];
    const n = typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : NaN;
    if (Number.isFinite(n)) out.push([k, n]);
  }
  return out;
}

const classCache = new Map();
/** Token-class bits of a usage key: 1 input, 2 output, 4 cached, 8 reasoning, 16 total. */
export function keyClasses(key) {
  let c = classCache.get(key);
  if (c === undefined) {
    c = 0;
    if (key.includes("input")) {
      c |= 1;
      if (key.includes("cache")) c |= 4;
    }
    if (key.includes("output")) c |= 2;
    if (key.includes("reasoning")) c |= 8;
    if (key === "total") c |= 16;
    classCache.set(key, c);
  }
  return c;
}

/**
 * Usage, cost and token figures of one row.
 * @returns {{usage: Array<[string, number]>, costKeys: string[], costUsd: number[], cost: number,
 *   estimated: boolean, input: number, output: number, cached: number, reasoning: number, total: number}}
 */
export function rowMoney(r, pricing) {
  const usage = numericEntries(r.usageDetails);
  let costKeys = [];
  let costUsd = [];
  for (const [k, v] of numericEntries(r.costDetails)) {
    costKeys.push(k);
    costUsd.push(v);
  }
  let estimated = false;
  if (usage.length > 0 && costUsd.every((c) => c === 0)) {
    const e = pricing.estimate(text(r.model), usage, r.modelParameters, r.metadata);
    if (e) {
      costKeys = e.keys;
      costUsd = e.usd;
      estimated = true;
    }
  }
  let cost = null;
  let costSum = 0;
  for (let i = 0; i < costKeys.length; i++) {
    if (costKeys[i] === "total") cost ??= costUsd[i];
    else costSum += costUsd[i];
  }
  let input = 0;
  let output = 0;
  let cached = 0;
  let reasoning = 0;
  let total = null;
  let all = 0;
  for (const [k, u] of usage) {
    const c = keyClasses(k);
    if (c & 1) input += u;
    if (c & 2) output += u;
    if (c & 4) cached += u;
    if (c & 8) reasoning += u;
    if (c & 16) total = (total ?? 0) + u;
    all += u;
  }
  return {
    usage,
    costKeys,
    costUsd,
    cost: cost ?? costSum,
    estimated,
    input,
    output,
    cached,
    reasoning,
    total: total ?? all,
  };
}

/** Root rank of a row within its trace (0: not a root candidate), as loupe-core's trace module. */
export function rootRank(r, traceId) {
  const parent = text(r.parentObservationId);
  if (traceId != null && r.id === `t-${traceId}`) return 3;
  if (parent === null && r.isRootObservation === true) return 2;
  if (parent === null) return 1;
  return 0;
}
