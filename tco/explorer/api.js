// Calls to the tco API this page came from; failures become Errors carrying the problem's
// detail (application/problem+json), so every view can say in words what went wrong.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `tco answered HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const cache = new Map(); // GET url -> promise of body; answers are pure functions of the URL

// After a write every cached answer may be stale (a quote priced with the latest table).
export function forget() {
  cache.clear();
}

export function url(path, params = {}) {
  const u = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  return u.pathname + u.search;
}

async function parse(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export function getJson(path, params = {}, { fresh = false } = {}) {
  const target = url(path, params);
  if (fresh) cache.delete(target);
  if (!cache.has(target)) {
    const pending = fetch(target, { headers: { Accept: "application/json" } }).then(parse);
    pending.catch(() => cache.delete(target));
    cache.set(target, pending);
  }
  return cache.get(target);
}

export async function getWithEtag(path, params = {}) {
  const response = await fetch(url(path, params), { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await parse(response);
  return { body, etag: response.headers.get("ETag") };
}

export async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
  });
  return parse(response);
}

// A write: returns {status, body, etag} for every answer, so callers can handle 412 themselves.
export async function send(method, path, { body, headers = {} } = {}) {
  const response = await fetch(path, {
    method, headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
  });
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return { status: response.status, ok: response.ok, body: parsed, etag: response.headers.get("ETag") };
}
