// A typed call of GET /v1/quotes with the types `make clients` generates from the committed
// OpenAPI document. tests/contract/test_ts_types.py compiles it with `tsc --strict --noEmit`.
import type { paths } from "../../clients/ts/schema";

type GetQuote = paths["/v1/quotes"]["get"];
export type QuoteQuery = GetQuote["parameters"]["query"];
export type Quote = GetQuote["responses"]["200"]["content"]["application/json"];
export type Problem = GetQuote["responses"]["422"]["content"]["application/problem+json"];

/** $/M tokens of the cheapest option at the first target, or undefined when none reaches it. */
export async function cheapestUsdPerMillionTokens(
  baseUrl: string,
  query: QuoteQuery,
): Promise<number | undefined> {
  const params = new URLSearchParams({
    model: query.model,
    isl: String(query.isl),
    osl: String(query.osl),
    targets: query.targets,
  });
  const response = await fetch(`${baseUrl}/v1/quotes?${params}`);
  if (!response.ok) {
    const problem = (await response.json()) as Problem;
    throw new Error(`${problem.status} ${problem.field ?? ""}: ${problem.detail}`);
  }
  const quote = (await response.json()) as Quote;
  // view=full (the default) lists the top options first: rank 1 is the cheapest.
  if (quote.view !== "full") throw new Error(`asked for the full view, got ${quote.view}`);
  return quote.targets[0].options.find((o) => o.rank === 1)?.usd_per_million_tokens;
}
