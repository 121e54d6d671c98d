// The three quote views: throughput frontiers, $/M tokens against interactivity, and the
// cheapest option per target with its ranked alternatives.
import { expandQuote, h } from "/widget.js";
import { getJson } from "./api.js";
import { chart, colourOf, dashOf } from "./chart.js";
import { exclusionNote } from "./offers.js";
import { list, quoteParams, workloadParts } from "./state.js";
import { dataTable, gpuHour, hw, num, ratio, usd, usdWhole } from "./table.js";

function keep(state, hardware, framework) {
  const hws = list(state.hardware), fws = list(state.frameworks);
  return (!hws.length || hws.includes(hardware)) && (!fws.length || framework == null || fws.includes(framework));
}

// The as-of view of the workload's measured points (every page of GET /v1/points).
async function measuredPoints(state, asOf) {
  if (!asOf) return [];
  const { isl, osl } = workloadParts(state);
  const query = { model: state.model, isl, osl, as_of: asOf, limit: "1000" };
  const first = await getJson("/v1/points", query);
  const pages = [first];
  for (let offset = 1000; offset < first.total && offset < 20_000; offset += 1000) pages.push(await getJson("/v1/points", { ...query, offset }));
  return pages.flatMap((p) => p.points);
}

export async function frontiersView(state) {
  const { isl, osl } = workloadParts(state);
  const answer = await getJson("/v1/frontiers", { model: state.model, isl, osl, as_of: state.as_of, pooling: state.pooling });
  const frontiers = answer.frontiers.filter((f) => keep(state, f.hardware, f.framework));
  const perHardware = {};
  const series = frontiers.map((f, i) => {
    const n = (perHardware[f.hardware] = (perHardware[f.hardware] ?? -1) + 1);
    return {
      id: f.curve_id, name: `${hw(f.hardware)} ${f.label}`, colour: colourOf(f.hardware, i), dash: dashOf(n),
      points: f.knots.map((k) => ({
        x: k.interactivity, y: k.tput_per_gpu,
        tip: [`${hw(f.hardware)} ${f.label}`, `${num(k.interactivity)} tok/s/user, ${num(k.tput_per_gpu)} tok/s/GPU, concurrency ${k.conc}`,
          `measured ${k.date}`, `source: ${k.source}`],
      })),
    };
  });
  // The measured points the frontiers dominate (the same as-of view), drawn hollow and grey.
  const knotKeys = new Set(frontiers.flatMap((f) => f.knots.map((k) => `${k.interactivity}|${k.tput_per_gpu}|${k.conc}|${k.date}`)));
  const labels = new Map(answer.frontiers.map((f) => [f.curve_id, f.label]));
  const dominated = (await measuredPoints(state, answer.benchmark_as_of)).filter((p) =>
    keep(state, p.hardware, p.framework) && !knotKeys.has(`${p.interactivity}|${p.tput_per_gpu}|${p.conc}|${p.date}`));
  if (dominated.length) {
    series.push({ id: "dominated", name: "measured, below a frontier", colour: "#8c959f", hollow: true, line: false, dotRadius: 3,
      points: dominated.map((p) => ({ x: p.interactivity, y: p.tput_per_gpu,
        tip: [`${hw(p.hardware)} ${labels.get(p.recipe_id) ?? `${p.framework} ${p.precision} TP${p.tp ?? "?"}`} (dominated)`,
          `${num(p.interactivity)} tok/s/user, ${num(p.tput_per_gpu)} tok/s/GPU, concurrency ${p.conc}`, `measured ${p.date}`, `source: ${p.source}`] })) });
  }
  const what = state.pooling === "series" ? "series" : "recipe";
  const rows = frontiers.flatMap((f) => f.knots.map((k) => ({
    hardware: f.hardware, recipe: f.label, curve_id: f.curve_id, gpus_per_replica: f.gpus_per_replica,
    interactivity_tok_s_user: k.interactivity, tput_tok_s_gpu: k.tput_per_gpu, conc: k.conc, date: k.date, source: k.source,
  })));
  return [
    h("h2", {}, `Throughput per GPU against interactivity: ${answer.model} ${answer.isl}/${answer.osl}`),
    h("p", { class: "muted" }, `${frontiers.length} frontiers (one per ${what}), ${rows.length} measured frontier points and ${dominated.length} below a frontier (hollow); benchmarks as of ${answer.benchmark_as_of ?? "–"}, dataset ${answer.dataset_version}. Hover or focus a point for its recipe, date and source.`),
    chart({ name: "frontiers", title: `Total tok/s per GPU against tok/s/user, per ${what} (log throughput)`, series,
      x: { label: "interactivity, tok/s/user" }, y: { label: "throughput, tok/s/GPU", log: true } }),
    dataTable({ name: "frontiers", caption: "Frontier points", collapsed: true, rows, columns: [
      { key: "hardware", label: "Hardware", show: hw }, { key: "recipe", label: "Recipe", wide: true },
      { key: "interactivity_tok_s_user", label: "tok/s/user", num: true, show: (v) => num(v) },
      { key: "tput_tok_s_gpu", label: "tok/s/GPU", num: true, show: (v) => num(v) },
      { key: "conc", label: "Concurrency", num: true }, { key: "date", label: "Measured" },
    ] }),
  ];
}

export async function costView(state) {
  const answer = await getJson("/v1/curves", quoteParams(state));
  const target = Number(list(state.targets)[0]) || null;
  const series = answer.curves.map((c, i) => ({
    id: c.hardware, name: hw(c.hardware), colour: colourOf(c.hardware, i), dotRadius: 2.5,
    points: c.points.map((p) => ({
      x: p.interactivity, y: p.usd_per_million_tokens,
      tip: [`${hw(c.hardware)}: ${usd(p.usd_per_million_tokens)}/M tokens at ${num(p.interactivity)} tok/s/user`,
        `${p.recipe_label} (${p.method})`, `${p.offer_provider} ${gpuHour(p.usd_per_gpu_hour)}/GPU-hour, ${num(p.tput_per_gpu)} tok/s/GPU`],
    })),
  }));
  const rows = answer.curves.flatMap((c) => c.points.map((p) => ({
    hardware: c.hardware, interactivity_tok_s_user: p.interactivity, usd_per_million_tokens: p.usd_per_million_tokens,
    tput_tok_s_gpu: p.tput_per_gpu, method: p.method, recipe: p.recipe_label, offer_provider: p.offer_provider, usd_per_gpu_hour: p.usd_per_gpu_hour,
  })));
  return [
    h("h2", {}, `$ per million ${answer.token_basis} tokens against interactivity, per hardware`),
    exclusionNote(answer),
    h("p", { class: "muted" }, `Best recipe and offer at each point. Pricing ${answer.pricing_table} v${answer.pricing_version}, utilization ${Math.round(answer.utilization * 100)}%, ${answer.interpolation} interpolation; benchmarks as of ${answer.benchmark_as_of ?? "–"}.${target ? ` Dashed line: target ${target} tok/s/user.` : ""}`),
    chart({ name: "cost", title: `$/M ${answer.token_basis} tokens against tok/s/user per hardware (log scales)`, series, marker: target,
      x: { label: "interactivity, tok/s/user", log: true }, y: { label: "$ per million tokens", log: true, tick: (v) => `$${Number(v.toPrecision(2))}` } }),
    dataTable({ name: "cost-curves", caption: "Curve points", collapsed: true, rows, columns: [
      { key: "hardware", label: "Hardware", show: hw }, { key: "interactivity_tok_s_user", label: "tok/s/user", num: true, show: (v) => num(v) },
      { key: "usd_per_million_tokens", label: "$/M tokens", num: true, show: usd }, { key: "recipe", label: "Recipe", wide: true },
      { key: "offer_provider", label: "Offer" }, { key: "usd_per_gpu_hour", label: "$/GPU-hour", num: true, show: gpuHour },
    ] }),
  ];
}

export async function cheapestView(state) {
  const params = { ...quoteParams(state), targets: state.targets || "20,50,100", top: "5", pooling: state.pooling };
  if (state.demand_kind && state.demand_value) Object.assign(params, { demand_kind: state.demand_kind, demand_value: state.demand_value });
  const answer = expandQuote(await getJson("/v1/quotes", params));
  const a = answer.assumptions;
  const rows = answer.targets.flatMap((t) => t.options.map((o) => ({
    target_tok_s_user: t.target_interactivity, rank: o.rank, hardware: o.hardware, recipe: o.recipe.label,
    offer: `${o.offer.provider} (${o.offer.kind.replace(/_/g, " ")})`, usd_per_gpu_hour: o.offer.usd_per_gpu_hour,
    usd_per_million_tokens: o.usd_per_million_tokens, ratio_to_cheapest: o.ratio_to_cheapest, method: o.operating_point.method,
    interactivity_tok_s_user: o.operating_point.interactivity, tput_tok_s_gpu: o.operating_point.tput_per_gpu,
    gpus: o.capacity?.gpus ?? null, replicas: o.capacity?.replicas ?? null, usd_per_month: o.capacity?.usd_per_month ?? null,
    capacity_note: o.capacity ? "" : (a.demand ? o.capacity_unavailable ?? "" : ""),
    measured: [...new Set(o.operating_point.knots.map((k) => k.date))].sort().join(" "),
  })));
  const columns = [
    { key: "rank", label: "#", num: true }, { key: "hardware", label: "Hardware", show: hw }, { key: "recipe", label: "Recipe", wide: true },
    { key: "offer", label: "Offer" }, { key: "usd_per_gpu_hour", label: "$/GPU-hour", num: true, show: gpuHour },
    { key: "usd_per_million_tokens", label: `$/M ${a.token_basis} tokens`, num: true, show: usd },
    { key: "ratio_to_cheapest", label: "vs cheapest", num: true, show: ratio },
    { key: "interactivity_tok_s_user", label: "tok/s/user", num: true, show: (v) => num(v) },
    { key: "tput_tok_s_gpu", label: "tok/s/GPU", num: true, show: (v) => num(v) }, { key: "method", label: "Read" },
    { key: "measured", label: "Measured" },
  ];
  if (a.demand) {
    // next to the price: what the demand costs a month and takes
    columns.splice(6, 0, { key: "usd_per_month", label: "$/month", num: true, show: usdWhole },
      { key: "gpus", label: "GPUs (replicas)", num: true, show: (v, r) => (v == null ? r.capacity_note || "–" : `${v} (${r.replicas})`) });
  }
  const unreachable = answer.targets.filter((t) => !t.options.length).map((t) => t.target_interactivity);
  // Whole replicas can make another option the cheapest bill for this demand.
  const bills = answer.targets.filter((t) => t.cheapest_for_demand?.capacity).map((t) => {
    const o = t.cheapest_for_demand;
    return h("li", { "data-lowest-bill": String(t.target_interactivity) }, `At ${t.target_interactivity} tok/s/user: ${hw(o.hardware)} ${o.recipe.label}, ${usdWhole(o.capacity.usd_per_month)}/month for ${o.capacity.gpus} GPUs (${o.offer.provider}).`);
  });
  return [
    h("h2", {}, `Cheapest option per target: ${a.model} ${a.isl}/${a.osl}`),
    h("p", { class: "muted" }, `Ranked (recipe, offer) options per target, cheapest first. Pricing ${a.pricing_table} v${a.pricing_version}, ${a.token_basis} tokens, utilization ${Math.round(a.utilization * 100)}%, ${a.interpolation}; benchmarks as of ${a.benchmark_as_of ?? "–"}, dataset ${a.dataset_version}${a.demand ? `; demand ${num(a.demand.value)} ${a.demand.kind.replace(/_/g, " ")}` : ""}.`),
    exclusionNote(answer),
    ...(unreachable.length ? [h("p", { class: "problem" }, `No priced option reaches ${unreachable.join(", ")} tok/s/user.`)] : []),
    ...(bills.length ? [h("h3", {}, "Lowest monthly bill for this demand"), h("ul", {}, ...bills)] : []),
    dataTable({ name: "cheapest", caption: "Cheapest and ranked alternatives per target", rows, columns,
      csvColumns: rows.length ? Object.keys(rows[0]) : ["target_tok_s_user"],
      rowClass: (r) => (r.rank === 1 ? "cheapest" : null), groupBy: (r) => `Target ${r.target_tok_s_user} tok/s/user` }),
  ];
}
