"""The InferenceX public API client: availability, then every workload's benchmark history.

Polite by construction, as the InferenceX runner documentation asks: compressed responses
(``Accept-Encoding: gzip``), a descriptive User-Agent, no cache-busting parameters, at most
``concurrency`` requests in flight, timeouts, and retries with exponential backoff and jitter
(tenacity) on 429, 5xx and connection errors, honouring ``Retry-After`` when it is given.

A history response is a JSON array of BenchmarkRow objects (the rows ``/api/v1/benchmarks``
returns, every date). When a response carries an RFC 8288 ``Link: <...>; rel="next"`` header,
the next page is fetched too and the pages of one workload form one batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
import msgspec
import tenacity

DEFAULT_BASE_URL = "https://inferencex.semianalysis.com"
AVAILABILITY_PATH = "/api/v1/availability"
HISTORY_PATH = "/api/v1/benchmarks/history"
# The API's ``model`` parameter takes the display name; availability and rows carry the
# database key. From InferenceX-app packages/constants/src/models.ts (several keys share one
# display name: Kimi-K2.5 covers kimik2.5 and kimik2.6).
DISPLAY_NAMES: dict[str, str] = {
    "dsr1": "DeepSeek-R1-0528",
    "gptoss120b": "gpt-oss-120b",
    "llama70b": "Llama-3.3-70B-Instruct-FP8",
    "qwen3.5": "Qwen-3.5-397B-A17B",
    "kimik2.5": "Kimi-K2.5",
    "kimik2.6": "Kimi-K2.5",
    "minimaxm2.5": "MiniMax-M2.5",
    "minimaxm2.7": "MiniMax-M2.5",
    "glm5": "GLM-5",
    "glm5.1": "GLM-5",
    "dsv4": "DeepSeek-V4-Pro",
}
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER_S = 60.0


def user_agent() -> str:
    try:
        ours = version("tco")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "dev"
    return f"tco/{ours} (cost-per-token calculator; tco sync inferencex) httpx/{httpx.__version__}"


class SyncHttpError(Exception):
    """A request failed for good (after the retries, or with a status not worth retrying)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


@dataclass(frozen=True)
class Workload:
    model: str  # the display name the API takes
    keys: tuple[str, ...]  # the database keys it covers (from availability)
    isl: int
    osl: int

    @property
    def label(self) -> str:
        return f"{self.model} {self.isl}/{self.osl}"


@dataclass
class Page:
    url: str
    rows: list[msgspec.Raw]


@dataclass
class ClientSettings:
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 30.0
    attempts: int = 5
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    concurrency: int = 4
    extra_headers: dict[str, str] = field(default_factory=dict)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER_S)
    except ValueError:
        return None


class InferenceXClient:
    """Synchronous and thread-safe (one ``httpx.Client``); the runner fans out to threads."""

    def __init__(self, settings: ClientSettings | None = None) -> None:
        self.settings = settings or ClientSettings()
        s = self.settings
        self._http = httpx.Client(
            base_url=s.base_url.rstrip("/"),
            timeout=httpx.Timeout(s.timeout_s),
            headers={
                "User-Agent": user_agent(),
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                **s.extra_headers,
            },
            limits=httpx.Limits(max_connections=s.concurrency),
            follow_redirects=True,
        )
        backoff = tenacity.wait_exponential_jitter(
            multiplier=s.backoff_initial_s, max=s.backoff_max_s, jitter=s.backoff_initial_s
        )

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retryable) and exc.retry_after is not None:
                return exc.retry_after
            return float(backoff(state))

        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            wait=wait,
            stop=tenacity.stop_after_attempt(s.attempts),
            reraise=True,
        )
        self.requests = 0  # sent, retries included

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InferenceXClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get_once(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        self.requests += 1
        try:
            response = self._http.get(url, params=params)
        except httpx.TransportError as exc:  # connect, read, timeout, protocol
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in _RETRIED_STATUS:
            raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code != 200:
            raise SyncHttpError(str(response.url), f"HTTP {response.status_code}")
        return response

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return self._retrying(self._get_once, url, params)
        except _Retryable as exc:
            where = str(self._http.build_request("GET", url, params=params).url)
            raise SyncHttpError(
                where, f"{exc.reason} after {self.settings.attempts} attempts"
            ) from None

    def availability(self) -> list[dict[str, Any]]:
        response = self.get(AVAILABILITY_PATH)
        try:
            rows = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise SyncHttpError(str(response.url), f"invalid JSON: {exc}") from None
        if not isinstance(rows, list):
            raise SyncHttpError(str(response.url), "expected a JSON array")
        return [r for r in rows if isinstance(r, dict)]

    def history(self, workload: Workload) -> list[Page]:
        """Every page of one workload's history (the rows left undecoded: the normalizer
        decodes them)."""
        params: dict[str, Any] | None = {
            "model": workload.model,
            "isl": workload.isl,
            "osl": workload.osl,
        }
        url = HISTORY_PATH
        pages: list[Page] = []
        seen: set[str] = set()
        while True:
            response = self.get(url, params)
            where = str(response.url)
            try:
                rows = msgspec.json.decode(response.content, type=list[msgspec.Raw])
            except msgspec.DecodeError as exc:
                raise SyncHttpError(where, f"expected a JSON array of rows: {exc}") from None
            pages.append(Page(url=where, rows=rows))
            seen.add(where)
            following = response.links.get("next", {}).get("url")
            if not following:
                return pages
            url = str(response.url.join(following))
            if url in seen:
                raise SyncHttpError(url, "pagination loops back to a page already read")
            params = None  # the next link is a complete URL


def workloads(
    availability: Iterable[dict[str, Any]], models: Iterable[str] = ()
) -> tuple[list[Workload], list[str]]:
    """The (display name, isl, osl) to fetch, and the availability keys skipped (no known
    display name). ``models`` filters by display name or database key (case-insensitive);
    empty: every model."""
    wanted = {m.lower() for m in models}
    grouped: dict[tuple[str, int, int], set[str]] = {}
    unknown: set[str] = set()
    for row in availability:
        key, isl, osl = row.get("model"), row.get("isl"), row.get("osl")
        if not isinstance(key, str) or not isinstance(isl, int) or not isinstance(osl, int):
            continue
        display = DISPLAY_NAMES.get(key)
        if wanted and key.lower() not in wanted and (display or "").lower() not in wanted:
            continue
        if display is None:
            unknown.add(key)
            continue
        grouped.setdefault((display, isl, osl), set()).add(key)
    found = [
        Workload(model=m, keys=tuple(sorted(keys)), isl=isl, osl=osl)
        for (m, isl, osl), keys in sorted(grouped.items())
    ]
    return found, sorted(unknown)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
