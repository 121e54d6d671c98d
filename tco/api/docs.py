"""An API docs page that works with no internet: plain HTML + a few lines of inline script that
read the served OpenAPI document. No CDN, no framework."""

from __future__ import annotations

from litestar import MediaType, Response, get

from tco.api.http import with_head
from tco.api.widget import page_csp

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tco API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem} code,pre{font:13px ui-monospace,monospace;background:#f3f4f6;border-radius:4px}
pre{padding:.6rem;overflow:auto} .op{border-top:1px solid #ddd;padding:.6rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700} .get{color:#0a7d32} .post{color:#1f5fbf}
.put{color:#a35b00} .delete{color:#b3261e} details summary{cursor:pointer}
</style></head><body>
<h1>tco API</h1>
<p>Cost per million tokens for LLM inference hardware. Machine-readable contract:
<a href="/schema/openapi.json">/schema/openapi.json</a>. Errors are <code>application/problem+json</code>.</p>
<div id="ops">Loading the OpenAPI document…</div>
<script type="module">
const doc = await (await fetch('/schema/openapi.json')).json();
const ops = document.getElementById('ops'); ops.textContent = '';
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
  const params = (op.parameters || []).map(p => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}) ${esc(p.description)}</li>`).join('');
  const body = op.requestBody ? `<p>Body: <code>${esc(Object.values(op.requestBody.content)[0].schema.$ref || 'object')}</code></p>` : '';
  const div = document.createElement('div'); div.className = 'op';
  div.innerHTML = `<span class="m ${method}">${method.toUpperCase()}</span><code>${esc(path)}</code> — ${esc(op.summary)}
    <details><summary>operationId <code>${esc(op.operationId)}</code></summary>${body}<ul>${params}</ul>
    <p>Responses: ${Object.keys(op.responses).join(', ')}</p></details>`;
  ops.append(div);
}
</script></body></html>"""


@get(
    "/docs",
    operation_id="getDocs",
    summary="API documentation page (works offline)",
    media_type=MediaType.HTML,
    include_in_schema=False,
    sync_to_thread=False,
)
def docs_page() -> Response[str]:
    # Its one inline script and style block are allowed by hash; it fetches /schema only.
    return Response(
        content=_PAGE, media_type=MediaType.HTML, headers={"Content-Security-Policy": _CSP}
    )


_CSP = page_csp(_PAGE, frame_ancestors="'none'")


DOCS_HANDLERS = with_head(docs_page)
