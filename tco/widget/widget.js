// <tco-cost-widget>: what it costs to serve a model at a target speed, live from a tco API.
// One file, no dependencies; DOM built with createElement only (so it also runs under Trusted
// Types) and styled by a constructable stylesheet (so it renders under style-src 'self').
// Docs: the "Embeddable cost widget" section of the README.

const SCRIPT_BASE = new URL(".", import.meta.url).href;
const DEFAULT_TARGET = 50;
const SVG = "http://www.w3.org/2000/svg";
const CHART_HEIGHT_PX = 220;
const SLIDER_STEPS = 200; // on a log scale: each step is about 2% of speed
const PAD = { left: 52, right: 14, top: 22, bottom: 34 };
// A fixed colour per known accelerator so a chart keeps its colours across models and pages.
const HW_COLOURS = {
  h100: "#8c6d4f", h200: "#c99700", b200: "#3f9a4a", b300: "#2a9d8f", gb200: "#3b6fb6",
  gb300: "#8a5cc2", mi300x: "#e377a0", mi325x: "#e8730c", mi355x: "#d1383d",
};
const SPARE_COLOURS = ["#5f6b7a", "#7a8b2c", "#b04a9c", "#1f8fb3"];
const METHOD_WORDS = {
  measured: "measured at this speed",
  interpolated: "interpolated between measured points",
  clamped_low: "its highest-throughput measured point is already faster than the target",
  extrapolated: "extrapolated beyond the measured range",
};

const DEMAND_WORDS = {
  output_tokens_per_s: "output tokens per second", output_tokens_per_day: "output tokens per day",
  requests_per_s: "requests per second", concurrent_users: "concurrent users",
};

// Offer filter attributes -> the query parameters GET /v1/quotes and /v1/curves take (a
// buyer's policy: which prices may be ranked). exclude-placeholder-prices is a boolean
// attribute: present (and not "false") means true.
const OFFER_ATTRIBUTES = {
  "offer-kinds": "offer_kinds", providers: "providers", regions: "regions",
  "max-price-age-days": "max_price_age_days", "exclude-placeholder-prices": "exclude_placeholder_prices",
  "min-commitment-months": "min_commitment_months", "max-commitment-months": "max_commitment_months",
};
// tco.domain.offer_filters.EXCLUSION_REASONS, in words
const EXCLUSION_WORDS = {
  offer_kind: "kind not allowed", provider: "provider not allowed", region: "region not allowed",
  placeholder_price: "placeholder price", price_undated: "price undated", price_age: "price too old",
  commitment_unknown: "commitment term unknown", commitment_term: "commitment term outside the range",
};

const KIND_WORDS = {
  on_demand: "on-demand", reserved_1y: "1-year reserved", reserved_3y: "3-year reserved",
  spot: "spot", owned: "owned (TCO)", override: "price override",
};

const CSS = `
:host{display:block;font:var(--tco-font-size,14px)/1.45 var(--tco-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
  color:var(--tco-fg,#1b1f24);--_muted:var(--tco-muted,#59636e);--_border:var(--tco-border,#d1d9e0);--_accent:var(--tco-accent,#0b62d6)}
:host([hidden]){display:none}
*{box-sizing:border-box}
.card{background:var(--tco-bg,#fff);border:1px solid var(--_border);border-radius:var(--tco-radius,10px);padding:1em 1.15em .8em;min-width:0}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25em .6em;margin-bottom:.6em}
h2{font-size:1.05em;margin:0;font-weight:650}
.workload,.muted,footer{color:var(--_muted)}
.workload{font-size:.9em}
.controls{display:flex;flex-wrap:wrap;align-items:center;gap:.4em .7em;margin-bottom:.8em}
.controls label{font-weight:600}
input[type=range]{flex:1 1 10em;min-width:8em;accent-color:var(--_accent)}
input[type=number]{width:5.5em;font:inherit;color:inherit;background:transparent;border:1px solid var(--_border);border-radius:6px;padding:.15em .35em}
input:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}
.body{transition:opacity .15s}
.card[aria-busy=true] .body{opacity:.55}
.price{display:flex;align-items:baseline;flex-wrap:wrap;gap:0 .45em}
.usd{font-size:2.1em;font-weight:700;color:var(--_accent);font-variant-numeric:tabular-nums;letter-spacing:-.01em}
.hw{font-weight:700;font-size:1.1em}
.recipe{margin:.1em 0 .35em;overflow-wrap:anywhere}
.facts{margin:0;padding:0;list-style:none;font-size:.9em;color:var(--_muted)}
.facts li{margin:.1em 0}
.demand{margin-top:.4em;color:inherit}
a{color:var(--_accent)}
h3{font-size:.8em;text-transform:uppercase;letter-spacing:.05em;color:var(--_muted);margin:1em 0 .3em;font-weight:650}
ol{list-style:none;margin:0;padding:0}
.next li{display:grid;grid-template-columns:4.6em 5em 3.6em minmax(0,1fr);gap:.6em;align-items:baseline;padding:.2em 0;border-top:1px solid var(--_border);font-variant-numeric:tabular-nums}
.next li span:last-child{color:var(--_muted);font-size:.85em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.next b{font-weight:650}
.ratio{color:var(--_muted)}
.note{font-size:.9em;color:var(--_muted);margin:.4em 0 0}
figure{margin:.9em 0 0;cursor:crosshair}
svg{display:block;width:100%;overflow:visible}
svg text{font-size:11px;fill:var(--_muted)}
.grid{stroke:var(--_border);stroke-width:1}
.curve{fill:none;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round;opacity:.8}
.curve.win{stroke-width:3;opacity:1}
.target{stroke:var(--_accent);stroke-width:1.5;stroke-dasharray:4 3}
.dot{fill:var(--_accent);stroke:var(--tco-bg,#fff);stroke-width:2}
svg text.tlabel{fill:var(--_accent);font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:.15em .9em;font-size:.85em;margin-top:.3em}
.legend li{display:flex;align-items:center;gap:.3em}
.legend li.off{opacity:.5}
.legend svg{width:.9em;height:.9em}
.error,.notice{border-left:3px solid var(--tco-error,#c62828);padding:.35em .7em;margin:.4em 0;color:var(--tco-error,#c62828)}
.notice{border-color:var(--_accent);color:inherit}
.error p,.notice p{margin:.1em 0;color:var(--tco-fg,#1b1f24);overflow-wrap:anywhere}
footer{font-size:.78em;margin-top:.7em;overflow-wrap:anywhere}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

let sharedSheet = null;
function styleFor(root) {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    sharedSheet ??= new CSSStyleSheet();
    if (!sharedSheet.cssRules.length) sharedSheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sharedSheet];
  } else {
    root.append(h("style", {}, CSS)); // older browsers; a strict host CSP blocks this fallback
  }
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, v);
  el.append(...children.filter((c) => c != null));
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, v);
  el.append(...children.filter((c) => c != null));
  return el;
}

const usdFormat = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", minimumSignificantDigits: 3, maximumSignificantDigits: 3,
});
const usd = (v) => usdFormat.format(v);
const gpuHour = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4,
});
const wholeUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const count = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 });
const roundSpeed = (v) => (v >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
const speed = (v) => roundSpeed(v).toLocaleString("en-US");
const hwName = (key) => key.toUpperCase();
const safeHref = (url) => (/^https:\/\//.test(url) ? url : null);

// Curves do not depend on the target: one request per model/workload/pricing, shared by every
// widget on the page.
const curvesCache = new Map();

// The full quote (view=full) names each recipe, offer, measured point and evidence entry once
// and refers to them by index (tco/domain/quote_full.py). This rebuilds the nested shape, each
// option self-contained, with cheapest = options[0] and cheapest_per_hardware as options: what
// the widget draws and what its tco:quote event carries. A summary passes through.
function expandQuote(body) {
  if (body?.view !== "full" || !Array.isArray(body.recipes)) return body;
  const { recipes, offers, knots, evidence, unreachable_recipes: unreachable } = body;
  const interpolation = body.assumptions.interpolation;
  const option = (o, rank = o.rank) => {
    const { knots: at, method, ...point } = o.operating_point;
    return {
      ...o, rank, recipe: recipes[o.recipe], offer: offers[o.offer],
      operating_point: { method, interpolation, ...point, knots: at.map((k) => knots[k]) },
      evidence: o.evidence == null ? null : evidence[o.evidence],
    };
  };
  const targets = body.targets.map((t) => {
    const listed = t.options.filter((o) => o.rank > 0);
    return {
      target_interactivity: t.target_interactivity,
      cheapest: listed.length ? option(listed[0]) : null,
      options: listed.map((o) => option(o)),
      cheapest_per_hardware: t.cheapest_per_hardware.map((i) => option(t.options[i], 0)),
      unreachable: t.unreachable.map((i) => unreachable[i]),
      unreachable_total: t.unreachable_total,
      excluded: t.excluded,
      excluded_total: t.excluded_total,
      cheapest_for_demand: t.cheapest_for_demand == null ? null : option(t.options[t.cheapest_for_demand], 0),
    };
  });
  return { view: "full", assumptions: body.assumptions, targets };
}

async function getJson(url, signal) {
  let response;
  try {
    response = await fetch(url, { credentials: "omit", signal, headers: { Accept: "application/json" } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new Error(`could not reach tco at ${new URL(url).origin} (${err.message})`);
  }
  const answeredAt = performance.now();
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || `tco answered HTTP ${response.status}`);
  if (body == null) throw new Error("tco answered with a body that is not JSON");
  return { body, answeredAt };
}

class TcoCostWidget extends HTMLElement {
  static observedAttributes = ["model", "isl", "osl", "target", "pricing", "api-base", "demand-kind", "demand-value", ...Object.keys(OFFER_ATTRIBUTES)];

  #ui;
  #abort = null;
  #pending = false;
  #quote = null; // the tco:quote event detail: {request, response, target, cheapest}
  #curves = null;
  #previewTarget = null;
  #slideTimer = 0;
  #width = 0;
  #rendered = false;
  #measured = new Set();

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    styleFor(root);
    this.#ui = this.#skeleton();
    root.append(this.#ui.card);
    new ResizeObserver(([entry]) => {
      const width = Math.round(entry.contentRect.width);
      if (width && width !== this.#width) {
        this.#width = width;
        this.#drawChart();
      }
    }).observe(this.#ui.figure);
  }

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    this.#abort?.abort();
  }

  attributeChangedCallback(_name, old, value) {
    if (old !== value && this.isConnected) this.#schedule();
  }

  get target() {
    const t = Number(this.getAttribute("target") ?? DEFAULT_TARGET);
    return Number.isFinite(t) && t > 0 ? t : DEFAULT_TARGET;
  }

  set target(value) {
    this.setAttribute("target", String(value));
  }

  // Several attributes set in one task make one request.
  #schedule() {
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(() => {
      this.#pending = false;
      this.#load();
    });
  }

  #request() {
    const base = new URL(this.getAttribute("api-base") || SCRIPT_BASE, document.baseURI);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    const params = {};
    for (const name of ["model", "isl", "osl", "pricing"]) {
      const value = this.getAttribute(name);
      if (value) params[name] = value;
    }
    // Offer filters narrow both the quote and the curves (the chart prices the same offers).
    for (const [attribute, name] of Object.entries(OFFER_ATTRIBUTES)) {
      const value = this.getAttribute(attribute);
      if (attribute === "exclude-placeholder-prices") {
        if (value !== null && value !== "false") params[name] = "true";
      } else if (value) params[name] = value;
    }
    // A demand (both attributes) prices the capacity it takes: quotes only, curves ignore it.
    const demand = {};
    const [kind, value] = [this.getAttribute("demand-kind"), this.getAttribute("demand-value")];
    if (kind || value) Object.assign(demand, { demand_kind: kind ?? "", demand_value: value ?? "" });
    return { base: base.href, params, demand, target: this.target };
  }

  async #load() {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const { base, params, demand, target } = this.#request();
    const query = new URLSearchParams(params);
    const curvesUrl = new URL(`v1/curves?${query}`, base).href;
    query.set("targets", String(target));
    for (const [name, value] of Object.entries(demand)) query.set(name, value);
    const quoteUrl = new URL(`v1/quotes?${query}`, base).href;

    this.#ui.card.setAttribute("aria-busy", "true");
    this.#ui.card.dataset.state = "loading";
    this.#ui.title.textContent = `Cost to serve ${params.model ?? "(no model)"}`;
    this.#ui.workload.textContent = params.isl && params.osl
      ? `${params.isl} input / ${params.osl} output tokens per request`
      : "";
    this.#setTargetInputs(target);
    if (!this.#rendered) this.#ui.status.textContent = "Loading the quote…";
    if (this.#curves && this.#curves.url !== curvesUrl) this.#curves = null;
    this.#loadCurves(curvesUrl, abort.signal);
    try {
      const { body: compact, answeredAt } = await getJson(quoteUrl, abort.signal);
      if (abort.signal.aborted) return;
      const body = expandQuote(compact);
      const tq = body.targets[0];
      const quote = { request: { ...params, ...demand, target, api_base: base }, response: body, target: tq, cheapest: tq.cheapest };
      this.#quote = quote;
      this.#renderQuote(quote);
      this.#measure("tco:first-render", answeredAt);
      this.dispatchEvent(
        new CustomEvent("tco:quote", { bubbles: true, composed: true, detail: quote }),
      );
    } catch (err) {
      if (err.name !== "AbortError" && !abort.signal.aborted) this.#renderError(err.message);
    } finally {
      if (this.#abort === abort) this.#ui.card.setAttribute("aria-busy", "false");
    }
  }

  async #loadCurves(url, signal) {
    if (this.#curves?.url === url) return;
    if (!curvesCache.has(url)) {
      const pending = getJson(url);
      curvesCache.set(url, pending);
      pending.catch(() => curvesCache.delete(url));
    }
    try {
      const { body, answeredAt } = await curvesCache.get(url);
      if (signal.aborted) return;
      this.#curves = { url, body };
      this.#updateSliderRange();
      this.#drawChart();
      this.#measure("tco:chart-render", answeredAt);
    } catch {
      // The quote request reports the same failure in words; the chart just stays empty.
    }
  }

  #measure(name, start) {
    if (this.#measured.has(name)) return; // only the first of each, per element
    this.#measured.add(name);
    const detail = { model: this.getAttribute("model") };
    performance.measure(name, { start, end: performance.now(), detail });
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        performance.measure(`${name}:painted`, { start, end: performance.now(), detail }),
      ),
    );
  }

  #skeleton() {
    const ui = {};
    ui.status = h("div", { role: "status", "aria-live": "polite", class: "sr" });
    ui.title = h("h2");
    ui.workload = h("span", { class: "workload" });
    ui.slider = h("input", {
      type: "range", min: "0", max: String(SLIDER_STEPS), step: "1", "aria-label": "Target speed in tokens per second per user",
    });
    ui.number = h("input", { type: "number", id: "target", min: "0.1", step: "any", inputmode: "decimal" });
    ui.body = h("div", { class: "body" });
    ui.figure = h("figure");
    ui.footer = h("footer");
    ui.card = h(
      "section", { class: "card", "aria-busy": "true", "data-state": "loading" },
      h("header", {}, ui.title, ui.workload),
      h("div", { class: "controls" },
        h("label", { for: "target" }, "Target speed"), ui.slider, ui.number,
        h("span", { class: "muted" }, "tok/s/user")),
      ui.status, ui.body, ui.figure, ui.footer,
    );
    ui.body.append(h("p", { class: "muted" }, "Loading the quote…"));
    ui.slider.addEventListener("input", () => {
      const t = (this.#previewTarget = this.#sliderToTarget(Number(ui.slider.value)));
      ui.number.value = String(t);
      ui.slider.setAttribute("aria-valuetext", `${speed(t)} tok/s/user`);
      this.#drawChart();
      clearTimeout(this.#slideTimer);
      this.#slideTimer = setTimeout(() => (this.target = t), 250);
    });
    ui.number.addEventListener("change", () => {
      const t = Number(ui.number.value);
      if (Number.isFinite(t) && t > 0) this.target = t;
    });
    ui.figure.addEventListener("click", (event) => {
      const t = this.#chartTargetAt(event);
      if (t) this.target = roundSpeed(t);
    });
    return ui;
  }

  #sliderRange() {
    const xs = (this.#curves?.body.curves ?? []).flatMap((c) => c.points.map((p) => p.interactivity));
    return xs.length ? [Math.max(1, Math.min(...xs)), Math.max(...xs)] : [2, 500];
  }

  #sliderToTarget(v) {
    const [lo, hi] = this.#sliderRange();
    return roundSpeed(lo * (hi / lo) ** (v / SLIDER_STEPS));
  }

  #updateSliderRange() {
    // Several slider steps can round to one target: leave the thumb where the reader put it.
    if (this.#sliderToTarget(Number(this.#ui.slider.value)) === this.target) return;
    const [lo, hi] = this.#sliderRange();
    const t = Math.min(Math.max(this.target, lo), hi);
    this.#ui.slider.value = String(Math.round((SLIDER_STEPS * Math.log(t / lo)) / Math.log(hi / lo)));
  }

  #setTargetInputs(target) {
    this.#previewTarget = null;
    if (this.#ui.number.value === "" || Number(this.#ui.number.value) !== target) this.#ui.number.value = String(target);
    this.#ui.slider.setAttribute("aria-valuetext", `${speed(target)} tok/s/user`);
    this.#updateSliderRange();
  }

  #renderQuote({ response, target: tq }) {
    const a = response.assumptions;
    const t = tq.target_interactivity;
    this.#rendered = true;
    this.#ui.card.dataset.state = "ready";
    const c = tq.cheapest;
    const parts = [];
    if (c) {
      const op = c.operating_point;
      const dates = [...new Set(op.knots.map((k) => k.date))].sort();
      const run = safeHref(op.knots[0]?.source ?? "");
      const o = c.offer;
      parts.push(
        h("div", { class: "price cheapest" },
          h("span", { class: "usd", "data-usd-per-million-tokens": String(c.usd_per_million_tokens) }, usd(c.usd_per_million_tokens)),
          h("span", {}, "per million tokens, cheapest at ", h("b", {}, `${speed(t)} tok/s/user`))),
        h("div", { class: "hw" }, hwName(c.hardware)),
        h("div", { class: "recipe" }, c.recipe.label),
        h("ul", { class: "facts" },
          h("li", {}, `Serves ${speed(op.interactivity)} tok/s/user at ${Math.round(op.tput_per_gpu).toLocaleString("en-US")} tok/s/GPU: ${METHOD_WORDS[op.method] ?? op.method}.`),
          h("li", { class: "offer" }, `${o.provider}, ${KIND_WORDS[o.kind] ?? o.kind.replace(/_/g, " ")}, ${gpuHour.format(o.usd_per_gpu_hour)}/GPU-hour, price dated ${o.source_date ?? "(undated)"}.`),
          h("li", { class: "measured" }, "Benchmark measured ",
            run ? h("a", { href: run, target: "_blank", rel: "noopener noreferrer" }, dates.join(", ")) : dates.join(", "),
            `; benchmarks as of ${a.benchmark_as_of ?? "(none)"}.`)),
      );
      if (a.demand) parts.push(this.#bill(a.demand, c, tq.cheapest_for_demand));
      const next = tq.cheapest_per_hardware.filter((o2) => o2.hardware !== c.hardware).slice(0, 4);
      if (next.length) {
        parts.push(h("h3", {}, "Next cheapest hardware"),
          h("ol", { class: "next" }, ...next.map((n) =>
            h("li", {}, h("b", {}, hwName(n.hardware)), h("span", {}, usd(n.usd_per_million_tokens)),
              h("span", { class: "ratio" }, `×${n.ratio_to_cheapest.toFixed(2)}`), h("span", { title: n.recipe.label }, n.recipe.label)))));
      }
      this.#ui.status.textContent = `Cheapest at ${speed(t)} tok/s/user: ${hwName(c.hardware)}, ${usd(c.usd_per_million_tokens)} per million tokens.`;
    } else {
      const best = tq.unreachable[0];
      const why = best
        ? `The fastest recipe, ${hwName(best.hardware)} ${best.label}, reaches ${speed(best.max_interactivity)} tok/s/user.`
        : "No recipe with a priced offer matches this query.";
      parts.push(h("div", { class: "notice" }, h("strong", {}, `Nothing reaches ${speed(t)} tok/s/user`), h("p", {}, why)));
      this.#ui.status.textContent = `No priced option reaches ${speed(t)} tok/s/user. ${why}`;
    }
    const excluded = excludedOffers(response);
    if (excluded.filtered) parts.push(exclusionLine(excluded));
    this.#ui.body.replaceChildren(...parts);
    this.#ui.footer.replaceChildren(
      `Pricing ${a.pricing_table} v${a.pricing_version}, dataset ${a.dataset_version}, ${a.interpolation} interpolation, utilization ${Math.round(a.utilization * 100)}%. `,
      h("a", { href: new URL("docs", this.#quote.request.api_base).href, target: "_blank", rel: "noopener noreferrer" }, "tco API"),
    );
    this.#drawChart();
  }

  // What serving the demand takes on the cheapest option, and the lowest monthly bill once
  // whole replicas are counted (which can be another option when a big replica sits idle).
  #bill(demand, c, forDemand) {
    const what = `${count.format(demand.value)} ${DEMAND_WORDS[demand.kind] ?? demand.kind}`;
    const lines = [];
    if (c.capacity) {
      const cap = c.capacity;
      lines.push(h("li", { class: "bill", "data-usd-per-month": String(cap.usd_per_month) },
        h("b", {}, `${wholeUsd.format(cap.usd_per_month)} a month`),
        ` for ${what}: ${cap.gpus.toLocaleString("en-US")} GPUs (${cap.replicas.toLocaleString("en-US")} × ${cap.gpus_per_replica}), ${Math.round(cap.load_factor * 100)}% loaded.`));
    } else {
      lines.push(h("li", { class: "bill" }, `No monthly bill for ${what}: ${c.capacity_unavailable ?? "capacity unknown"}.`));
    }
    const other = forDemand?.capacity;
    if (other && (forDemand.recipe.recipe_id !== c.recipe.recipe_id || forDemand.offer.provider !== c.offer.provider)) {
      lines.push(h("li", { class: "bill-lowest", "data-usd-per-month": String(other.usd_per_month) },
        `Lowest monthly bill: ${hwName(forDemand.hardware)} ${forDemand.recipe.label}, `,
        h("b", {}, `${wholeUsd.format(other.usd_per_month)} a month`), ` (${other.gpus.toLocaleString("en-US")} GPUs).`));
    }
    return h("ul", { class: "facts demand" }, ...lines);
  }

  #renderError(detail) {
    this.#quote = null;
    this.#ui.card.dataset.state = "error";
    this.#ui.body.replaceChildren(
      h("div", { class: "error" }, h("strong", {}, "Could not get a quote"), h("p", { class: "detail" }, detail)),
    );
    this.#ui.footer.replaceChildren();
    this.#ui.status.textContent = `Could not get a quote: ${detail}`;
    this.#drawChart();
    this.dispatchEvent(new CustomEvent("tco:error", { bubbles: true, composed: true, detail: { detail } }));
  }

  #scales() {
    const curves = this.#curves.body.curves;
    const pts = curves.flatMap((c) => c.points);
    const t = this.#previewTarget ?? this.target;
    const xs = [...pts.map((p) => p.interactivity), t];
    const ys = pts.map((p) => p.usd_per_million_tokens);
    const x0 = Math.log(Math.min(...xs) / 1.08), x1 = Math.log(Math.max(...xs) * 1.08);
    const y0 = Math.log(Math.min(...ys) / 1.15), y1 = Math.log(Math.max(...ys) * 1.15);
    const w = this.#width, plotW = w - PAD.left - PAD.right, plotH = CHART_HEIGHT_PX - PAD.top - PAD.bottom;
    return {
      curves, t, w, x0, x1, y0, y1,
      x: (v) => PAD.left + ((Math.log(v) - x0) / (x1 - x0)) * plotW,
      y: (v) => PAD.top + (1 - (Math.log(v) - y0) / (y1 - y0)) * plotH,
      xInv: (px) => Math.exp(x0 + ((px - PAD.left) / plotW) * (x1 - x0)),
    };
  }

  #chartTargetAt(event) {
    if (!this.#curves || !this.#width) return null;
    const svg = this.#ui.figure.querySelector("svg");
    if (!svg) return null;
    const box = svg.getBoundingClientRect();
    const px = event.clientX - box.left;
    if (px < PAD.left || px > this.#width - PAD.right) return null;
    return this.#scales().xInv(px);
  }

  #drawChart() {
    const fig = this.#ui.figure;
    if (!this.#curves || !this.#width || !this.#curves.body.curves.length || this.#ui.card.dataset.state === "error") {
      fig.replaceChildren();
      return;
    }
    const sc = this.#scales();
    const { curves, t, w, x, y } = sc;
    const bottom = CHART_HEIGHT_PX - PAD.bottom;
    const svg = s("svg", {
      viewBox: `0 0 ${w} ${CHART_HEIGHT_PX}`, height: CHART_HEIGHT_PX, role: "img",
      "aria-label": `Cost per million tokens against tokens per second per user, per hardware, log scales; target ${speed(t)} tok/s/user marked.`,
    });
    for (const v of logTicks(Math.exp(sc.y0), Math.exp(sc.y1))) {
      svg.append(s("line", { class: "grid", x1: PAD.left, x2: w - PAD.right, y1: y(v), y2: y(v) }),
        s("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, `$${Number(v.toPrecision(2))}`));
    }
    for (const v of logTicks(Math.exp(sc.x0), Math.exp(sc.x1))) {
      svg.append(s("line", { class: "grid", x1: x(v), x2: x(v), y1: PAD.top, y2: bottom }),
        s("text", { x: x(v), y: bottom + 15, "text-anchor": "middle" }, speed(v)));
    }
    svg.append(
      s("text", { x: w - PAD.right, y: CHART_HEIGHT_PX - 3, "text-anchor": "end" }, "tok/s/user →"),
      s("text", { x: 4, y: 12 }, "$ per million tokens"),
    );
    const winner = this.#previewTarget == null ? this.#quote?.target.cheapest : null;
    const legend = h("ol", { class: "legend" });
    curves.forEach((c, i) => {
      const colour = HW_COLOURS[c.hardware] ?? SPARE_COLOURS[i % SPARE_COLOURS.length];
      const d = c.points.map((p, j) => `${j ? "L" : "M"}${x(p.interactivity).toFixed(1)} ${y(p.usd_per_million_tokens).toFixed(1)}`).join("");
      const max = Math.max(...c.points.map((p) => p.interactivity));
      svg.append(s("path", { class: c.hardware === winner?.hardware ? "curve win" : "curve", d, stroke: colour },
        s("title", {}, `${hwName(c.hardware)}: up to ${speed(max)} tok/s/user`)));
      legend.append(h("li", { class: max < t ? "off" : null, title: max < t ? `reaches at most ${speed(max)} tok/s/user` : null },
        s("svg", { viewBox: "0 0 10 10", "aria-hidden": "true" }, s("rect", { width: 10, height: 10, rx: 2, fill: colour })),
        max < t ? `${hwName(c.hardware)} (max ${speed(max)})` : hwName(c.hardware)));
    });
    svg.append(s("line", { class: "target", x1: x(t), x2: x(t), y1: PAD.top - 4, y2: bottom }));
    const anchor = x(t) > w - 90 ? "end" : "start";
    svg.append(s("text", { class: "tlabel", x: x(t) + (anchor === "end" ? -5 : 5), y: PAD.top - 8, "text-anchor": anchor }, `target ${speed(t)}`));
    if (winner) svg.append(s("circle", { class: "dot", cx: x(t), cy: y(winner.usd_per_million_tokens), r: 5 }));
    fig.replaceChildren(svg, legend);
  }
}

// What the offer filters of a quote left out: {filtered, total, reasons: [[reason, count]]}.
// The one place the widget reads the answer's offer_filters and excluded_offers.
function excludedOffers(response) {
  const a = response.assumptions;
  const reasons = Object.entries(a.excluded_offers ?? {});
  return { filtered: a.offer_filters != null, total: reasons.reduce((n, [, c]) => n + c, 0), reasons };
}

function exclusionLine({ total, reasons }) {
  const why = reasons.map(([r, n]) => `${n} ${EXCLUSION_WORDS[r] ?? r.replace(/_/g, " ")}`).join(", ");
  return h("p", { class: "note excluded", "data-excluded-total": String(total) },
    total ? `Offer filters left out ${total} offer${total === 1 ? "" : "s"} of the pricing table: ${why}.`
      : "Offer filters applied: no offer of the pricing table left out.");
}

// Axis ticks on a log scale: 1-2-5 per decade, thinned to 1s when the range is wide and
// densified when it is narrow.
function logTicks(lo, hi, mantissas = [1, 2, 5]) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(2));
      if (v >= lo && v <= hi) ticks.push({ v, m });
    }
  }
  if (ticks.length < 4 && mantissas.length === 3) return logTicks(lo, hi, [1, 1.5, 2, 3, 5, 7]);
  return (ticks.length > 7 ? ticks.filter((t) => t.m === 1) : ticks).map((t) => t.v);
}

if (!customElements.get("tco-cost-widget")) customElements.define("tco-cost-widget", TcoCostWidget);
// The explorer (tco/explorer) draws its charts with the same helpers and colours.
export { TcoCostWidget, expandQuote, h, s, logTicks, HW_COLOURS, SPARE_COLOURS };
