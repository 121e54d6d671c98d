// Tables with a CSV export of the same rows (full precision; the page rounds for people).
import { h } from "/widget.js";
import { downloadCsv } from "./export.js";
import { button } from "./chart.js";

// columns: [{key, label, num?, show?(value,row)}]; rows: objects keyed by column key
// collapsed: the rows behind a <details> (a chart's points: the chart is the view, the table its
// accessible and exportable form).
export function dataTable({ name, caption, columns, rows, rowClass = () => null, groupBy = null, csvColumns = null, collapsed = false }) {
  const head = h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : c.wide ? "wide" : null }, c.label)));
  const body = h("tbody");
  let group = null;
  for (const row of rows) {
    if (groupBy && groupBy(row) !== group) {
      group = groupBy(row);
      body.append(h("tr", { class: "target-row" }, h("th", { colspan: String(columns.length), scope: "rowgroup" }, group)));
    }
    body.append(h("tr", { class: rowClass(row), "data-row": "" },
      ...columns.map((c) => h("td", { class: c.num ? "num" : c.wide ? "wide" : null }, c.show ? c.show(row[c.key], row) : String(row[c.key] ?? "")))));
  }
  const table = h("table", { "data-table": name }, h("caption", { class: "muted" }, caption), h("thead", {}, head), body);
  const wrap = h("div", { class: "table-wrap" }, table);
  return h("div", { class: "table-block" },
    collapsed ? h("details", {}, h("summary", {}, `${caption}: ${rows.length} rows as a table`), wrap) : wrap,
    h("div", { class: "toolbar" }, button("Download CSV", () => downloadCsv(csvColumns ?? columns.map((c) => c.key), rows, name), { "data-export": "csv" })));
}

const usdFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumSignificantDigits: 3, maximumSignificantDigits: 3 });
const wholeUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
export const usd = (v) => (v == null ? "–" : usdFormat.format(v));
export const usdWhole = (v) => (v == null ? "–" : wholeUsd.format(v));
export const gpuHour = (v) => (v == null ? "–" : `$${Number(v.toFixed(4))}`);
export const num = (v, digits = 3) => (v == null ? "–" : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(digits))));
export const ratio = (v) => (v == null ? "–" : `×${v.toFixed(2)}`);
export const hw = (key) => String(key).toUpperCase();
