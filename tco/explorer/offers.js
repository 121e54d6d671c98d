// Offer filters (a buyer's policy: which prices an answer may rank), as GET /v1/quotes,
// /v1/curves and /v1/history take them, and what an answer says they excluded. The one place
// the explorer reads an answer's excluded_offers.
import { h } from "/widget.js";

export const OFFER_FILTERS = [
  "offer_kinds", "providers", "regions", "max_price_age_days", "exclude_placeholder_prices",
  "min_commitment_months", "max_commitment_months",
];
// tco.domain.pricing.OfferKind, in its order (override is the request's own price: not a filter)
export const OFFER_KINDS = ["on_demand", "spot", "reserved_short_term", "reserved_1y", "reserved_2y", "reserved_3y", "owned", "list"];
// tco.domain.offer_filters.EXCLUSION_REASONS, in words
const REASON_WORDS = {
  offer_kind: "kind not allowed", provider: "provider not allowed", region: "region not allowed",
  placeholder_price: "placeholder price", price_undated: "price undated", price_age: "price too old",
  commitment_unknown: "commitment term unknown", commitment_term: "commitment term outside the range",
};

// The filters of the view's state as query parameters (empty ones are left out by api.url).
export function offerParams(state) {
  const params = {};
  for (const name of OFFER_FILTERS) params[name] = state[name];
  params.exclude_placeholder_prices = state.exclude_placeholder_prices === "true" ? "true" : "";
  return params;
}

// {filtered, total, reasons: [[reason, count]]} of a quote (assumptions), curves or history answer.
export function excludedOffers(answer) {
  const where = answer.assumptions ?? answer;
  const reasons = Object.entries(where.excluded_offers ?? {});
  return { filtered: where.offer_filters != null, total: reasons.reduce((n, [, c]) => n + c, 0), reasons };
}

// One line under a view's title: how many offers the filters left out, and why.
export function exclusionNote(answer) {
  const { filtered, total, reasons } = excludedOffers(answer);
  if (!filtered) return null;
  const why = reasons.map(([r, n]) => `${n} ${REASON_WORDS[r] ?? r.replace(/_/g, " ")}`).join(", ");
  return h("p", { class: "offers-excluded", "data-excluded-total": String(total) },
    total ? `Offer filters left out ${total} offer${total === 1 ? "" : "s"} of the pricing table: ${why}.`
      : "Offer filters applied: no offer of the pricing table left out.");
}
