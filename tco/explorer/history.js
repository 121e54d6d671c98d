// Over time: the cheapest $/M tokens at one target per benchmark date (GET /v1/history), and
// two measured series side by side (POST /v1/compare), e.g. the reference case: MI355X vLLM
// TP8 on 2026-03-01 against 2026-03-26.
import { h } from "/widget.js";
import { getJson, postJson } from "./api.js";
import { chart, colourOf } from "./chart.js";
import { exclusionNote } from "./offers.js";
import { list, quoteParams, workloadParts } from "./state.js";
import { dataTable, gpuHour, hw, num, ratio, usd } from "./table.js";

export async function historyView(state) {
  const target = list(state.targets)[0] || "50";
  const answer = await getJson("/v1/history", { ...quoteParams(state), target, pooling: state.pooling });
  const series = answer.hardware.map((c, i) => ({
    id: c.hardware, name: hw(c.hardware), colour: colourOf(c.hardware, i),
    points: c.points.map((p) => ({
      x: p.benchmark_date, y: p.usd_per_million_tokens,
      tip: [`${hw(c.hardware)} as of ${p.benchmark_date}: ${usd(p.usd_per_million_tokens)}/M tokens`, `${p.recipe_label} (${p.method})`,
        `${p.offer_provider} ${gpuHour(p.usd_per_gpu_hour)}/GPU-hour; measured ${p.measured_dates.join(", ")}`],
    })),
  }));
  const rows = answer.hardware.flatMap((c) => c.points.map((p) => ({
    hardware: c.hardware, benchmark_date: p.benchmark_date, usd_per_million_tokens: p.usd_per_million_tokens, tput_tok_s_gpu: p.tput_per_gpu,
    method: p.method, recipe: p.recipe_label, offer_provider: p.offer_provider, usd_per_gpu_hour: p.usd_per_gpu_hour, measured_dates: p.measured_dates.join(" "),
  })));
  return [
    h("h2", {}, `Cheapest $/M ${answer.token_basis} tokens at ${answer.target_interactivity} tok/s/user, by benchmark date`),
    exclusionNote(answer),
    h("p", { class: "muted" }, `What a quote as of each benchmark date answered, per hardware; priced throughout with ${answer.pricing_table} v${answer.pricing_version}, so a line moves only with the benchmarks. The first target of the controls is used.`),
    chart({ name: "history", title: `$/M tokens at ${answer.target_interactivity} tok/s/user over benchmark dates, per hardware (log $)`, series,
      x: { label: "benchmark date", time: true }, y: { label: "$ per million tokens", log: true, tick: (v) => `$${Number(v.toPrecision(2))}` } }),
    dataTable({ name: "history", caption: "History points", collapsed: true, rows, columns: [
      { key: "hardware", label: "Hardware", show: hw }, { key: "benchmark_date", label: "As of" },
      { key: "usd_per_million_tokens", label: "$/M tokens", num: true, show: usd }, { key: "recipe", label: "Recipe", wide: true },
      { key: "method", label: "Read" }, { key: "measured_dates", label: "Measured" },
    ] }),
  ];
}

// recipe_id -> {label, hardware, dates: Map(date -> concs)} from the measured points.
async function recipes(state) {
  const { isl, osl } = workloadParts(state);
  const query = { model: state.model, isl, osl, limit: "1000" };
  const [first, frontiers] = await Promise.all([getJson("/v1/points", query), getJson("/v1/frontiers", { model: state.model, isl, osl })]);
  const pages = [first];
  for (let offset = 1000; offset < first.total && offset < 20_000; offset += 1000) pages.push(await getJson("/v1/points", { ...query, offset }));
  const labels = new Map(frontiers.frontiers.map((f) => [f.curve_id, f.label]));
  const found = new Map();
  for (const p of pages.flatMap((pg) => pg.points)) {
    const r = found.get(p.recipe_id) ?? { id: p.recipe_id, hardware: p.hardware, label: labels.get(p.recipe_id) ?? `${p.framework} ${p.precision} TP${p.tp ?? "?"}`, dates: new Map() };
    const concs = r.dates.get(p.date) ?? new Set();
    concs.add(p.conc);
    r.dates.set(p.date, concs);
    found.set(p.recipe_id, r);
  }
  return [...found.values()].sort((a, b) => `${a.hardware} ${a.label}`.localeCompare(`${b.hardware} ${b.label}`));
}

function picker(label, id, options, value) {
  const select = h("select", { id, name: id }, h("option", { value: "" }, "choose…"),
    ...options.map(([v, text]) => { const o = h("option", { value: v }, text); if (v === value) o.selected = true; return o; }));
  return [h("label", { for: id }, label, select), select];
}

export async function compareView(state, update) {
  const all = await recipes(state);
  const choices = all.flatMap((r) => [...r.dates.keys()].sort().map((d) => [`${r.id}@${d}`, `${hw(r.hardware)} ${r.label}, ${d}`]));
  const [baseLabel, baseSelect] = picker("Baseline (recipe, benchmark date)", "cmp-base", choices, state.base);
  const [candLabel, candSelect] = picker("Candidate (recipe, benchmark date)", "cmp-cand", choices, state.cand);
  const tput = h("input", { id: "cmp-tput", type: "text", value: state.at_tput, placeholder: "e.g. 337,380", inputmode: "decimal" });
  const extrapolate = h("input", { id: "cmp-extrapolate", type: "checkbox" });
  extrapolate.checked = state.extrapolate === "1";
  const change = () => update({ base: baseSelect.value, cand: candSelect.value, at_tput: tput.value.replace(/\s/g, ""), extrapolate: extrapolate.checked ? "1" : "" });
  for (const el of [baseSelect, candSelect, tput, extrapolate]) el.addEventListener("change", change);
  const parts = [
    h("h2", {}, "Compare two measured series"),
    h("p", { class: "muted" }, "Pick a recipe and a benchmark date for each side, e.g. MI355X vLLM TP8 on 2026-03-01 and 2026-03-26 (Kimi K2.5 8192/1024)."),
    h("div", { class: "compare-pick" }, baseLabel, candLabel,
      h("label", { for: "cmp-tput" }, "Iso-throughput levels (tok/s/GPU)", tput),
      h("label", { for: "cmp-extrapolate", class: "inline" }, extrapolate, " extrapolate beyond the measured range (flagged)")),
  ];
  const find = (key) => { const [id, date] = (key || "").split("@"); const r = all.find((x) => x.id === id); return r && r.dates.has(date) ? { r, id, date } : null; };
  const base = find(state.base), cand = find(state.cand);
  if (!base || !cand) return [...parts, h("p", { class: "muted" }, "Choose both series to compare them.")];
  const concs = [...base.r.dates.get(base.date)].filter((c) => cand.r.dates.get(cand.date).has(c)).sort((a, b) => a - b);
  const { isl, osl } = workloadParts(state);
  const answer = await postJson("/v1/compare", {
    model: state.model, isl: Number(isl), osl: Number(osl), baseline: { recipe_id: base.id, date: base.date },
    candidate: { recipe_id: cand.id, date: cand.date }, at_concurrency: concs.slice(0, 50),
    at_throughput: list(state.at_tput).map(Number).filter((v) => v > 0).slice(0, 50), extrapolate: state.extrapolate === "1",
  });
  const name = (side) => `${hw(side.recipe.hardware)} ${side.recipe.label} ${side.date}`;
  const bName = name(answer.baseline), cName = name(answer.candidate);
  const series = [["baseline", answer.baseline, "#8c959f"], ["candidate", answer.candidate, colourOf(answer.candidate.recipe.hardware)]].map(([id, side, colour]) => ({
    id, name: `${id}: ${name(side)}`, colour,
    points: side.points.map((p) => ({ x: p.interactivity, y: p.tput_per_gpu,
      tip: [`${id}: ${name(side)}`, `concurrency ${p.conc}: ${num(p.interactivity)} tok/s/user, ${num(p.tput_per_gpu)} tok/s/GPU`, `source: ${p.source}`] })),
  }));
  const read = (v) => `${num(v.interactivity)} (${v.method})`;
  const matched = answer.at_concurrency.map((m) => ({ conc: m.conc, baseline_tok_s_user: m.baseline.interactivity, baseline_method: m.baseline.method,
    candidate_tok_s_user: m.candidate.interactivity, candidate_method: m.candidate.method, interactivity_gain: m.interactivity_gain, tput_ratio: m.tput_ratio, _b: m.baseline, _c: m.candidate }));
  const iso = answer.at_throughput.map((m) => ({ tput_tok_s_gpu: m.tput_per_gpu, baseline_tok_s_user: m.baseline.interactivity, baseline_method: m.baseline.method,
    candidate_tok_s_user: m.candidate.interactivity, candidate_method: m.candidate.method, interactivity_gain: m.interactivity_gain, _b: m.baseline, _c: m.candidate }));
  const pk = answer.peak_throughput;
  return [...parts,
    h("h3", { id: "compare-header" }, `${bName} → ${cName}`),
    h("p", {}, `Peak throughput ${num(pk.baseline)} → ${num(pk.candidate)} tok/s/GPU (${ratio(pk.ratio)}); peak interactivity ${num(answer.peak_interactivity.baseline)} → ${num(answer.peak_interactivity.candidate)} tok/s/user (${ratio(answer.peak_interactivity.ratio)}).`),
    chart({ name: "compare", title: `Throughput per GPU against interactivity: ${bName} vs ${cName}`, series,
      x: { label: "interactivity, tok/s/user", log: true }, y: { label: "throughput, tok/s/GPU", log: true } }),
    dataTable({ name: "compare-matched-concurrency", caption: `Matched concurrency: baseline ${bName}, candidate ${cName}`, rows: matched,
      csvColumns: ["conc", "baseline_tok_s_user", "baseline_method", "candidate_tok_s_user", "candidate_method", "interactivity_gain", "tput_ratio"], columns: [
        { key: "conc", label: "Concurrency", num: true }, { key: "baseline_tok_s_user", label: `${bName}: tok/s/user`, num: true, show: (_, r) => read(r._b) },
        { key: "candidate_tok_s_user", label: `${cName}: tok/s/user`, num: true, show: (_, r) => read(r._c) },
        { key: "interactivity_gain", label: "Gain", num: true, show: ratio }, { key: "tput_ratio", label: "Throughput ratio", num: true, show: ratio }] }),
    ...(iso.length ? [dataTable({ name: "compare-iso-throughput", caption: `Iso-throughput: baseline ${bName}, candidate ${cName}`, rows: iso,
      csvColumns: ["tput_tok_s_gpu", "baseline_tok_s_user", "baseline_method", "candidate_tok_s_user", "candidate_method", "interactivity_gain"], columns: [
        { key: "tput_tok_s_gpu", label: "tok/s/GPU", num: true, show: (v) => num(v) }, { key: "baseline_tok_s_user", label: `${bName}: tok/s/user`, num: true, show: (_, r) => read(r._b) },
        { key: "candidate_tok_s_user", label: `${cName}: tok/s/user`, num: true, show: (_, r) => read(r._c) },
        { key: "interactivity_gain", label: "Gain", num: true, show: ratio }] })] : []),
  ];
}
