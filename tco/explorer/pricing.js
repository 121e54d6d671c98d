// Pricing tables: browse tables and versions with what each version changed; with an editor
// key (typed by the user, kept in sessionStorage only) edit offers and save with If-Match, so
// a table changed by someone else since it was loaded shows the conflict and keeps the edits.
import { h } from "/widget.js";
import { forget, getJson, getWithEtag, send } from "./api.js";
import { button } from "./chart.js";
import { dataTable, gpuHour, hw } from "./table.js";

const KEY_STORAGE = "tco-editor-key";
const EDITABLE = ["usd_per_gpu_hour", "provider", "region", "source_date", "notes"];

const same = (a, b) => a.hardware === b.hardware && a.provider === b.provider && a.kind === b.kind && (a.region ?? null) === (b.region ?? null);

// before/after: the offers of the previous and this version, to show a changed price
function diffList(summary, before = [], after = []) {
  const price = (offers, o) => offers.find((x) => same(x, o))?.usd_per_gpu_hour;
  const item = (cls, sign, o) => {
    const change = cls === "diff-changed" && price(before, o) !== price(after, o) ? `: ${gpuHour(price(before, o))} → ${gpuHour(price(after, o))}/GPU-hour` : "";
    return h("li", { class: cls }, `${sign} ${hw(o.hardware)} ${o.provider} ${o.kind}${o.region ? ` ${o.region}` : ""}${change}`);
  };
  const list = h("ul", { class: "diff" },
    ...summary.added_offers.map((o) => item("diff-added", "+", o)),
    ...summary.removed_offers.map((o) => item("diff-removed", "−", o)),
    ...summary.changed_offers.map((o) => item("diff-changed", "~", o.offer ?? o)));
  const words = `${summary.added} added, ${summary.removed} removed, ${summary.changed} changed, ${summary.unchanged} unchanged`;
  // a first version adds every offer: the list then stays folded
  return list.children.length > 12 ? h("details", {}, h("summary", {}, words), list) : h("div", {}, h("p", {}, words), list);
}

function versionItem(v, current, select) {
  const s = v.summary;
  const b = button(`v${v.version}${v.deleted ? " (deleted)" : ""}: ${v.created_by}, ${v.created_at.slice(0, 10)} — +${s.added} −${s.removed} ~${s.changed}`, () => select(v.version),
    { "data-version": String(v.version), "aria-current": String(v.version === current) });
  return h("li", {}, b);
}

export async function pricingView(state, update) {
  const tables = await getJson("/v1/pricing/tables", {}, { fresh: true });
  const name = state.table || tables[0]?.name;
  if (!name) return [h("p", {}, "No pricing tables.")];
  const versions = await getJson(`/v1/pricing/tables/${encodeURIComponent(name)}/versions`, {}, { fresh: true });
  const latest = Math.max(...versions.map((v) => v.version));
  const version = Number(state.table_version) || latest;
  const { body: table, etag } = await getWithEtag(`/v1/pricing/tables/${encodeURIComponent(name)}`, version === latest ? {} : { version });
  const shown = versions.find((v) => v.version === version);
  const previous = version > 1 && shown?.summary.changed
    ? (await getWithEtag(`/v1/pricing/tables/${encodeURIComponent(name)}`, { version: version - 1 }).catch(() => null))?.body.offers ?? []
    : [];
  const tableList = h("ul", { class: "list", "aria-label": "Pricing tables" }, ...tables.map((t) =>
    h("li", {}, button(`${t.name} (v${t.version}, ${t.offer_count} offers)`, () => update({ table: t.name, table_version: "" }), { "aria-current": String(t.name === name), "data-table-name": t.name }))));
  const versionList = h("ul", { class: "list", "aria-label": "Versions" }, ...versions.map((v) => versionItem(v, version, (n) => update({ table: name, table_version: n === latest ? "" : String(n) }))));
  const rows = table.offers.map((o, i) => ({ _i: i, ...o }));
  const columns = [
    { key: "hardware", label: "Hardware", show: hw }, { key: "provider", label: "Provider" }, { key: "kind", label: "Kind" },
    { key: "usd_per_gpu_hour", label: "$/GPU-hour", num: true, show: gpuHour }, { key: "region", label: "Region" },
    { key: "source_date", label: "Price date" }, { key: "notes", label: "Notes" },
  ];
  const editor = h("div", { class: "editor" });
  const parts = [
    h("h2", {}, `Pricing table ${name}, version ${version}${version === latest ? " (latest)" : ""}`),
    h("p", { class: "muted" }, table.description || ""),
    h("div", { class: "cols" },
      h("div", {}, h("h3", {}, "Tables"), tableList, h("h3", {}, "Versions"), versionList),
      h("div", {},
        shown ? h("div", { class: "version-diff" }, h("h3", {}, `What version ${version} changed`), diffList(shown.summary, previous, table.offers)) : null,
        h("h3", {}, `Offers (${table.offers.length})`),
        dataTable({ name: `pricing-${name}-v${version}`, caption: `${name} v${version}`, rows, columns, csvColumns: Object.keys(table.offers[0] ?? { hardware: "" }) }),
        editor)),
  ];
  renderEditor(editor, { name, version, latest, etag, offers: table.offers, update });
  return [h("div", { class: "pricing" }, ...parts)];
}

function renderEditor(root, ctx) {
  const key = h("input", { type: "password", id: "editor-key", autocomplete: "off", placeholder: "editor API key" });
  key.value = sessionStorage.getItem(KEY_STORAGE) ?? "";
  const message = h("div", { id: "editor-message", role: "alert" });
  const start = button("Edit offers", () => {
    sessionStorage.setItem(KEY_STORAGE, key.value.trim());
    openEditor(root, ctx, message);
  }, { id: "edit-offers" });
  root.replaceChildren(...[h("h3", {}, "Edit"),
    h("div", { class: "keybox" }, h("label", { for: "editor-key" }, "Editor key (kept for this tab only)"), key, start),
    ctx.version !== ctx.latest ? h("p", { class: "muted" }, `Editing starts from version ${ctx.version}; saving it makes a new latest version.`) : null,
    message].filter(Boolean));
}

function openEditor(root, ctx, message) {
  root.parentElement.querySelector(".table-block")?.setAttribute("hidden", ""); // the form replaces it
  const drafts = ctx.offers.map((o) => ({ ...o }));
  const body = h("tbody");
  drafts.forEach((o, i) => {
    const cells = EDITABLE.map((field) => {
      const input = h("input", { "data-field": field, "data-row": String(i), "aria-label": `${field} of ${o.hardware} ${o.provider}`,
        class: field === "notes" || field === "provider" ? "wide" : null, type: field === "usd_per_gpu_hour" ? "number" : "text", step: "any" });
      input.value = o[field] ?? "";
      input.addEventListener("input", () => {
        const v = input.value.trim();
        o[field] = field === "usd_per_gpu_hour" ? (v === "" ? null : Number(v)) : (v === "" ? null : v);
      });
      return h("td", {}, input);
    });
    body.append(h("tr", {}, h("td", {}, hw(o.hardware)), h("td", {}, o.kind), ...cells));
  });
  const save = button(`Save as a new version (based on v${ctx.version})`, () => saveEdits(ctx, drafts, message, save), { class: "primary", id: "save-offers" });
  root.replaceChildren(h("h3", {}, `Editing ${ctx.name} from version ${ctx.version}`),
    h("div", { class: "table-wrap pricing-edit" }, h("table", { "data-table": "editor" },
      h("thead", {}, h("tr", {}, ...["Hardware", "Kind", ...EDITABLE].map((c) => h("th", { scope: "col" }, c)))), body)),
    h("div", { class: "toolbar" }, save, button("Cancel", () => ctx.update({}), {})), message);
}

async function saveEdits(ctx, drafts, message, save) {
  save.disabled = true;
  const offers = drafts.map((o) => Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== null && !(k === "usd_per_gpu_hour" && o.owned_inputs))));
  const answer = await send("PUT", `/v1/pricing/tables/${encodeURIComponent(ctx.name)}`, {
    body: { offers }, headers: { "If-Match": ctx.etag, "X-API-Key": sessionStorage.getItem(KEY_STORAGE) ?? "" },
  });
  save.disabled = false;
  if (answer.ok) {
    forget();
    message.className = "saved";
    message.replaceChildren(h("strong", {}, `Saved: ${ctx.name} version ${answer.body.version}. `),
      button("Show it", () => ctx.update({ table: ctx.name, table_version: "" })));
    return;
  }
  if (answer.status === 412) {
    const now = await getWithEtag(`/v1/pricing/tables/${encodeURIComponent(ctx.name)}`).catch(() => null);
    message.className = "conflict";
    message.replaceChildren(h("strong", {}, "Conflict: not saved. "),
      `This table changed since you loaded version ${ctx.version}: it is now version ${now?.body.version ?? "?"}${now ? ` (by ${now.body.created_by})` : ""}. `,
      "Your edits are still in the form above. Open the latest version to see the other change, then edit again; nothing was overwritten. ",
      button("Open the latest version", () => ctx.update({ table: ctx.name, table_version: "" }), { id: "open-latest" }));
    return;
  }
  message.className = "problem";
  message.replaceChildren(h("strong", {}, `Not saved (HTTP ${answer.status}): `), answer.body?.detail ?? "unknown error");
}
