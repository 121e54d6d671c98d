// Hand-drawn SVG charts, with the widget's helpers (createElement-only DOM, log ticks, the
// fixed colour per accelerator): lines and measured points, hover and keyboard focus on each
// point with its details, a legend, and SVG/PNG export. Presentation attributes only, so an
// exported SVG needs no stylesheet.
import { h, s, logTicks, HW_COLOURS, SPARE_COLOURS } from "/widget.js";
import { downloadPng, downloadSvg } from "./export.js";

const W = 860, H = 420;
const PAD = { left: 70, right: 18, top: 18, bottom: 46 };
const DASHES = [null, "7 4", "2 3", "10 3 2 3", "4 4", "1 5"];
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

export function colourOf(hardware, i = 0) {
  return HW_COLOURS[hardware] ?? SPARE_COLOURS[i % SPARE_COLOURS.length];
}
export const dashOf = (i) => DASHES[i % DASHES.length];

function linearTicks(lo, hi, count = 6) {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const DAY = 86_400_000;
const asTime = (d) => Date.parse(`${d}T00:00:00Z`);
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

function axis(values, { log = false, time = false }, pad) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (log) {
    lo = Math.log(lo / pad); hi = Math.log(hi * pad);
    return { lo, hi, f: Math.log, ticks: () => logTicks(Math.exp(lo), Math.exp(hi)) };
  }
  if (time) {
    const margin = Math.max((hi - lo) * 0.05, 2 * DAY);
    lo -= margin; hi += margin;
    return { lo, hi, f: (v) => v, ticks: () => linearTicks(lo, hi, 6).map((t) => Math.round(t / DAY) * DAY) };
  }
  const margin = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
  lo = Math.max(0, lo - margin); hi += margin;
  return { lo, hi, f: (v) => v, ticks: () => linearTicks(lo, hi) };
}

const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(3))));

// series: [{id, name, colour, dash, line, points: [{x, y, tip: [lines]}]}]
export function chart({ name, title, series, x, y, marker = null, empty = "Nothing to draw for this choice." }) {
  const figure = h("figure", { "data-chart": name });
  const tip = h("div", { class: "tip", hidden: "" });
  const pts = series.flatMap((se) => se.points);
  if (!pts.length) {
    figure.append(h("p", { class: "muted" }, empty));
    return figure;
  }
  const xv = pts.map((p) => (x.time ? asTime(p.x) : p.x));
  if (marker != null) xv.push(marker);
  const ax = axis(xv, x, 1.08), ay = axis(pts.map((p) => p.y), y, 1.12);
  const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
  const px = (v) => PAD.left + ((ax.f(x.time ? asTime(v) : v) - ax.lo) / (ax.hi - ax.lo)) * plotW;
  const py = (v) => PAD.top + (1 - (ay.f(v) - ay.lo) / (ay.hi - ay.lo)) * plotH;
  const text = (attrs, content) => s("text", { "font-family": FONT, "font-size": 12, fill: "#59636e", ...attrs }, content);
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, "data-series-count": String(series.length) },
    s("title", {}, title), s("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }));
  const bottom = H - PAD.bottom;
  for (const v of ay.ticks()) {
    svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: py(v), y2: py(v), stroke: "#e3e8ee" }),
      text({ x: PAD.left - 6, y: py(v) + 4, "text-anchor": "end" }, (y.tick ?? fmt)(v)));
  }
  for (const t of ax.ticks()) {
    const v = x.time ? isoDay(t) : t;
    svg.append(s("line", { x1: px(v), x2: px(v), y1: PAD.top, y2: bottom, stroke: "#e3e8ee" }),
      text({ x: px(v), y: bottom + 16, "text-anchor": "middle" }, x.time ? v : fmt(v)));
  }
  svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: bottom, y2: bottom, stroke: "#8c959f" }),
    text({ x: W - PAD.right, y: H - 6, "text-anchor": "end" }, `${x.label} →`),
    text({ x: 8, y: 12 }, `↑ ${y.label}`));
  if (marker != null) {
    svg.append(s("line", { x1: px(marker), x2: px(marker), y1: PAD.top, y2: bottom, stroke: "#0b62d6", "stroke-dasharray": "4 3", "stroke-width": 1.5 }));
  }
  const legend = h("ul", { class: "legend" });
  series.forEach((se, i) => {
    const group = s("g", { "data-series": se.id, "data-points": String(se.points.length) });
    const sorted = [...se.points].sort((a, b) => px(a.x) - px(b.x));
    if (se.line !== false && sorted.length > 1) {
      const d = sorted.map((p, j) => `${j ? "L" : "M"}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`).join("");
      group.append(s("path", { d, fill: "none", stroke: se.colour, "stroke-width": 2, "stroke-dasharray": se.dash, "stroke-linejoin": "round", opacity: 0.9 }));
    }
    for (const p of se.points) {
      const dot = s("circle", { class: "pt", cx: px(p.x).toFixed(1), cy: py(p.y).toFixed(1), r: se.dotRadius ?? 3.5, fill: se.hollow ? "#fff" : se.colour, stroke: se.hollow ? se.colour : "#fff", "stroke-width": se.hollow ? 1.2 : 1, "aria-label": p.tip.join("; ") });
      const show = () => {
        tip.replaceChildren(...p.tip.flatMap((line, j) => (j ? [h("br"), line] : [line])));
        tip.hidden = false;
        const box = figure.getBoundingClientRect(), at = dot.getBoundingClientRect();
        const left = Math.min(at.left - box.left + 10, box.width - 260);
        tip.style.left = `${Math.max(0, left)}px`;
        tip.style.top = `${at.top - box.top + 12}px`;
      };
      dot.addEventListener("pointerenter", show);
      dot.addEventListener("focus", show);
      dot.addEventListener("pointerleave", () => (tip.hidden = true));
      dot.addEventListener("blur", () => (tip.hidden = true));
      group.append(dot);
    }
    svg.append(group);
    const swatch = h("span", { class: se.dash ? "swatch dashed" : "swatch", "aria-hidden": "true" });
    swatch.style.color = se.colour; // CSSOM, allowed under style-src 'self'
    legend.append(h("li", {}, swatch, se.name));
  });
  // One tab stop per chart: arrow keys move between points (left/right within a series,
  // up/down between series), so a keyboard reaches every point without tabbing through all.
  const dots = [...svg.querySelectorAll("circle.pt")];
  dots.forEach((d, i) => d.setAttribute("tabindex", i ? "-1" : "0"));
  svg.addEventListener("keydown", (event) => {
    const at = dots.indexOf(document.activeElement);
    if (at < 0) return;
    const groups = [...svg.querySelectorAll("g[data-series]")].map((g) => [...g.querySelectorAll("circle.pt")]).filter((g) => g.length);
    const gi = groups.findIndex((g) => g.includes(dots[at]));
    const moves = {
      ArrowRight: () => dots[Math.min(at + 1, dots.length - 1)], ArrowLeft: () => dots[Math.max(at - 1, 0)],
      ArrowDown: () => groups[Math.min(gi + 1, groups.length - 1)][0], ArrowUp: () => groups[Math.max(gi - 1, 0)][0],
      Home: () => groups[gi][0], End: () => groups[gi][groups[gi].length - 1],
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = moves[event.key]();
    dots[at].setAttribute("tabindex", "-1");
    next.setAttribute("tabindex", "0");
    next.focus();
  });
  const slug = name;
  const toolbar = h("div", { class: "toolbar" },
    button("Download SVG", () => downloadSvg(svg, slug), { "data-export": "svg" }),
    button("Download PNG", () => downloadPng(svg, slug), { "data-export": "png" }));
  figure.append(svg, tip, legend, h("figcaption", {}, title), toolbar);
  return figure;
}

export function button(label, onClick, attrs = {}) {
  const b = h("button", { type: "button", ...attrs }, label);
  b.addEventListener("click", onClick);
  return b;
}
