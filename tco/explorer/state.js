import { offerParams } from "./offers.js";

// The view's state lives in the address bar: every choice is a query parameter, so a view is a
// permalink. Defaults are left out of the URL.

export const DEFAULTS = {
  view: "frontiers", model: "", workload: "", pricing: "", pricing_version: "", token_basis: "total",
  utilization: "100", interpolation: "linear", pooling: "recipe", targets: "20,50,100", as_of: "",
  demand_kind: "", demand_value: "", hardware: "", frameworks: "",
  // offer filters (offers.js): which prices the cost views may rank
  offer_kinds: "", providers: "", regions: "", max_price_age_days: "", exclude_placeholder_prices: "",
  min_commitment_months: "", max_commitment_months: "",
  // compare: "recipe_id@date" each, throughput levels, extrapolation
  base: "", cand: "", at_tput: "", extrapolate: "",
  // pricing view
  table: "", table_version: "",
};

export function readState() {
  const params = new URLSearchParams(window.location.search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) if (params.has(key)) state[key] = params.get(key);
  return state;
}

export function writeState(state, { push = false } = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (key in DEFAULTS && value !== DEFAULTS[key] && value !== "" && value != null) params.set(key, value);
  }
  const query = params.toString();
  const next = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (next === `${window.location.pathname}${window.location.search}`) return;
  if (push) window.history.pushState(null, "", next);
  else window.history.replaceState(null, "", next);
}

export const list = (text) => (text ? text.split(",").map((v) => v.trim()).filter(Boolean) : []);

export function workloadParts(state) {
  const [isl, osl] = (state.workload || "").split("/");
  return { isl, osl };
}

// Query parameters shared by the quote-like GETs (quotes, curves, history).
export function quoteParams(state) {
  const { isl, osl } = workloadParts(state);
  return {
    model: state.model, isl, osl, pricing: state.pricing, pricing_version: state.pricing_version,
    token_basis: state.token_basis, utilization: String(Number(state.utilization || 100) / 100),
    interpolation: state.interpolation, as_of: state.as_of, hardware: state.hardware,
    frameworks: state.frameworks, ...offerParams(state),
  };
}
