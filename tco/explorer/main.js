// The explorer: controls <-> URL state, tabs, and the active view. Each view is an async
// function of the state that returns the nodes to show (views.js, history.js, pricing.js).
import { h } from "/widget.js";
import { getJson } from "./api.js";
import { compareView, historyView } from "./history.js";
import { OFFER_KINDS } from "./offers.js";
import { pricingView } from "./pricing.js";
import { DEFAULTS, list, readState, writeState } from "./state.js";
import { cheapestView, costView, frontiersView } from "./views.js";

const VIEWS = { frontiers: frontiersView, cost: costView, cheapest: cheapestView, history: historyView, compare: compareView, pricing: pricingView };
const OFFER_FIELDS = ["providers", "regions", "max_price_age_days", "min_commitment_months", "max_commitment_months"];
const FIELDS = ["model", "workload", "pricing", "pricing_version", "token_basis", "utilization", "interpolation", "pooling", "targets", "as_of", "demand_kind", "demand_value", ...OFFER_FIELDS];
const $ = (id) => document.getElementById(id);
const field = (name) => document.querySelector(`#controls [name="${name}"]`);

let state = readState();
let catalog = null;
let renderCount = 0;

function options(select, values, selected) {
  select.replaceChildren(...values.map(([value, label]) => { const o = h("option", { value }, label); if (value === selected) o.selected = true; return o; }));
}

function checks(fieldset, values, chosen, name) {
  const legend = fieldset.querySelector("legend");
  fieldset.replaceChildren(legend, ...values.map((v) => {
    const box = h("input", { type: "checkbox", value: v, name, "data-check": name });
    box.checked = chosen.includes(v);
    return h("label", {}, box, v);
  }));
}

async function fillPricingVersions() {
  const select = $("f-pricing-version");
  const versions = await getJson(`/v1/pricing/tables/${encodeURIComponent(state.pricing)}/versions`, {}, { fresh: true }).catch(() => []);
  options(select, [["", "latest"], ...versions.map((v) => [String(v.version), `v${v.version}`])], state.pricing_version);
}

async function syncControls() {
  const model = catalog.models.find((m) => m.key === state.model) ?? catalog.models[0];
  state.model = model.key;
  if (!model.workloads.includes(state.workload)) state.workload = model.workloads.includes("8192/1024") ? "8192/1024" : model.workloads[0];
  state.pricing ||= catalog.default_pricing_table;
  options($("f-model"), catalog.models.map((m) => [m.key, `${m.key} (${m.points} points)`]), state.model);
  options($("f-workload"), model.workloads.map((w) => [w, w]), state.workload);
  options($("f-pricing"), catalog.tables.map((t) => [t.name, `${t.name} (v${t.version})`]), state.pricing);
  for (const name of ["token_basis", "utilization", "interpolation", "pooling", "targets", "as_of", "demand_kind", "demand_value", ...OFFER_FIELDS]) field(name).value = state[name];
  field("exclude_placeholder_prices").checked = state.exclude_placeholder_prices === "true";
  checks($("f-hardware"), model.hardware, list(state.hardware), "hardware");
  checks($("f-frameworks"), catalog.frameworks, list(state.frameworks), "frameworks");
  checks($("f-offer-kinds"), OFFER_KINDS, list(state.offer_kinds), "offer_kinds");
  await fillPricingVersions();
}

function readControls() {
  const next = { ...state };
  for (const name of FIELDS) next[name] = field(name).value.trim();
  for (const name of ["hardware", "frameworks", "offer_kinds"]) next[name] = [...document.querySelectorAll(`[data-check="${name}"]:checked`)].map((b) => b.value).join(",");
  next.exclude_placeholder_prices = field("exclude_placeholder_prices").checked ? "true" : "";
  return next;
}

function showTabs() {
  for (const tab of document.querySelectorAll("#tabs [role=tab]")) {
    const active = tab.dataset.view === state.view;
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    $(`view-${tab.dataset.view}`).hidden = !active;
  }
}

async function render() {
  const mine = ++renderCount;
  if (!(state.view in VIEWS)) state.view = DEFAULTS.view;
  writeState(state);
  showTabs();
  const panel = $(`view-${state.view}`);
  const status = $("status");
  document.body.dataset.state = "loading";
  status.className = "status";
  status.textContent = "Loading…";
  try {
    const nodes = await VIEWS[state.view](state, update);
    if (mine !== renderCount) return;
    panel.replaceChildren(...nodes.filter(Boolean));
    status.textContent = "";
    document.body.dataset.state = "ready";
  } catch (err) {
    if (mine !== renderCount) return;
    panel.replaceChildren(h("div", { class: "problem" }, h("strong", {}, "Could not load this view: "), err.message));
    status.className = "status error";
    status.textContent = err.message;
    document.body.dataset.state = "error";
  }
  document.body.dataset.view = state.view;
}

// Views call this with the fields they own (compare pickers, pricing table and version).
function update(changes, { push = false } = {}) {
  state = { ...state, ...changes };
  writeState(state, { push });
  render();
}

async function boot() {
  const [cat, tables] = await Promise.all([getJson("/v1/catalog"), getJson("/v1/pricing/tables")]);
  catalog = { ...cat, tables };
  await syncControls();
  $("footer").textContent = `Dataset ${cat.dataset_version}, ${cat.points} points, benchmarks as of ${cat.benchmark_as_of}. Colours are fixed per accelerator.`;
  $("controls").addEventListener("change", async (event) => {
    const next = readControls();
    if (event.target.name === "model") { next.workload = ""; next.hardware = ""; next.base = ""; next.cand = ""; }
    if (event.target.name === "pricing") next.pricing_version = "";
    const resync = ["model", "pricing"].includes(event.target.name);
    state = next;
    if (resync) await syncControls();
    render();
  });
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  const tabs = [...document.querySelectorAll("#tabs [role=tab]")];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => update({ view: tab.dataset.view }, { push: true }));
    tab.addEventListener("keydown", (event) => { // arrow keys move between tabs (WAI-ARIA tabs pattern)
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      next.click();
    });
  });
  window.addEventListener("popstate", async () => { state = readState(); await syncControls(); render(); });
  render();
}

boot().catch((err) => {
  $("status").className = "status error";
  $("status").textContent = `Could not start: ${err.message}`;
  document.body.dataset.state = "error";
});
