// Exports: a chart as SVG or PNG, a table as CSV. Charts are drawn with presentation
// attributes only (no stylesheet), so the SVG file looks like the page.

function download(blob, name) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.querySelectorAll("[tabindex]").forEach((el) => el.removeAttribute("tabindex"));
  return new XMLSerializer().serializeToString(copy);
}

export function downloadSvg(svg, name) {
  download(new Blob([svgText(svg)], { type: "image/svg+xml" }), `${name}.svg`);
}

export function downloadPng(svg, name, scale = 2) {
  const [, , w, h] = svg.getAttribute("viewBox").split(" ").map(Number);
  const image = new Image();
  const source = URL.createObjectURL(new Blob([svgText(svg)], { type: "image/svg+xml" }));
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = w * scale;
    canvas.height = h * scale;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0, w, h);
    URL.revokeObjectURL(source);
    canvas.toBlob((blob) => download(blob, `${name}.png`), "image/png");
  };
  image.src = source;
}

const cell = (v) => {
  const text = v == null ? "" : String(v);
  // RFC 4180 quoting; a leading =, +, - or @ is prefixed so spreadsheets do not run it.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?[0-9.]+(e[-+]?[0-9]+)?$/i.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(columns, rows) {
  return [columns.map(cell).join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n";
}

export function downloadCsv(columns, rows, name) {
  download(new Blob([toCsv(columns, rows)], { type: "text/csv" }), `${name}.csv`);
}
