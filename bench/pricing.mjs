// Cost estimation from a `/api/public/models` body, in plain JavaScript, for the peers of the benchmark.
//
// The same rules as loupe-core's `estimate` module (API.md §10, Langfuse 4.16), so the peers compute the
// same cost figures as the engine:
// - a row is estimated only when Langfuse gave no cost key (or only zeros) and it has usage;
// - model match: the row's model name is searched with each model's `matchPattern` (a leading `(?i)` becomes
//   the `i` flag; a pattern that does not compile never matches); project models win over Langfuse-managed
//   ones, then the newest `startDate` (missing last), then list order; matches are cached per model name;
// - tier: non-default tiers by ascending priority, the first whose conditions all hold, else the default
//   tier's prices, else the model's flat `prices`; a usage condition sums the units of the usage keys its
//   pattern matches; an attribute condition (`in`) holds when the model parameter / metadata value (as text)
//   is one of the values; anything else never holds;
// - cost per usage key = price × units; total = the `total` price × `total` units when both exist, else the
//   sum of the other entries; the entries come back in usage-key order with `total` last.

function compile(pattern, caseInsensitive) {
  if (typeof pattern !== "string") return null;
  let flags = caseInsensitive ? "i" : "";
  let source = pattern;
  if (source.startsWith("(?i)")) {
    source = source.slice(4);
    flags = "i";
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

function priceList(obj, nested) {
  if (!obj || typeof obj !== "object") return [];
  const out = [];
  for (const [key, v] of Object.entries(obj)) {
    const price = Number(nested && v && typeof v === "object" ? v.price : v);
    if (Number.isFinite(price)) out.push([key, price]);
  }
  return out;
}

function condition(c) {
  if (!c || typeof c !== "object") return { kind: "never" };
  if (typeof c.usageDetailPattern === "string") {
    const op = String(c.operator ?? "").toLowerCase();
    const value = Number(c.value);
    if (!["gt", "gte", "lt", "lte", "eq", "neq"].includes(op) || !Number.isFinite(value)) {
      return { kind: "never" };
    }
    return { kind: "usage", re: compile(c.usageDetailPattern, !c.caseSensitive), op, value };
  }
  const source =
    c.source === "model_parameters" || c.source === "modelParameters"
      ? "modelParameters"
      : c.source === "metadata"
        ? "metadata"
        : null;
  const opOk = c.operator == null || String(c.operator).toLowerCase() === "in";
  if (!source || !opOk || typeof c.key !== "string") return { kind: "never" };
  const values = (Array.isArray(c.values) ? c.values : [c.values]).filter((v) => v != null).map(String);
  return { kind: "attribute", source, key: c.key, values };
}

function compare(op, a, b) {
  switch (op) {
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
    case "eq":
      return a === b;
    default:
      return a !== b;
  }
}

/** A scalar as the decoder keeps it: strings as they are, other scalars as their JSON text. */
function asText(v) {
  if (v == null) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

export class Pricing {
  /** @param {object} modelsPage a parsed `/api/public/models` body */
  constructor(modelsPage) {
    const list = Array.isArray(modelsPage?.data) ? modelsPage.data : [];
    this.models = list.map((m, index) => {
      const tiers = Array.isArray(m.pricingTiers) ? m.pricingTiers : [];
      const def = tiers.find((t) => t.isDefault);
      return {
        index,
        managed: Boolean(m.isLangfuseManaged),
        startMs: m.startDate ? Date.parse(m.startDate) : null,
        re: compile(m.matchPattern, false),
        tiers: tiers
          .filter((t) => !t.isDefault)
          .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
          .map((t) => ({ conditions: (t.conditions ?? []).map(condition), prices: priceList(t.prices, false) })),
        defaultPrices: def ? priceList(def.prices, false) : priceList(m.prices, true),
      };
    });
    this.order = [...this.models].sort((a, b) => {
      if (a.managed !== b.managed) return a.managed ? 1 : -1;
      if (a.startMs != null && b.startMs != null) return b.startMs - a.startMs;
      if (a.startMs != null) return -1;
      if (b.startMs != null) return 1;
      return 0;
    });
    this.matches = new Map();
  }

  match(modelName) {
    let m = this.matches.get(modelName);
    if (m === undefined) {
      m = this.order.find((c) => c.re && c.re.test(modelName)) ?? null;
      this.matches.set(modelName, m);
    }
    return m;
  }

  /**
   * The estimated cost entries of a row, or null.
   * @param {string|null} modelName
   * @param {Array<[string, number]>} usage the row's (key, units), in order
   * @param {object|null} modelParameters @param {object|null} metadata the row's objects as parsed
   * @returns {{keys: string[], usd: number[]} | null}
   */
  estimate(modelName, usage, modelParameters, metadata) {
    if (this.models.length === 0 || !modelName || usage.length === 0) return null;
    const m = this.match(modelName);
    if (!m) return null;
    const holds = (c) => {
      if (c.kind === "usage") {
        if (!c.re) return false;
        let sum = 0;
        for (const [k, u] of usage) if (c.re.test(k)) sum += u;
        return compare(c.op, sum, c.value);
      }
      if (c.kind === "attribute") {
        const obj = c.source === "modelParameters" ? modelParameters : metadata;
        const v = obj && typeof obj === "object" ? asText(obj[c.key]) : null;
        return v != null && c.values.includes(v);
      }
      return false;
    };
    const tier = m.tiers.find((t) => t.conditions.every(holds));
    const prices = tier ? tier.prices : m.defaultPrices;
    const keys = [];
    const usd = [];
    let total = null;
    let sum = 0;
    for (const [k, units] of usage) {
      const p = prices.find((e) => e[0] === k);
      if (!p) continue;
      const cost = p[1] * units;
      if (k === "total") {
        total = cost;
      } else {
        keys.push(k);
        usd.push(cost);
        sum += cost;
      }
    }
    if (keys.length === 0 && total === null) return null;
    keys.push("total");
    usd.push(total ?? sum);
    return { keys, usd };
  }
}
