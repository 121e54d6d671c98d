"""The HTTP/1.1 protocol ``tco serve`` runs: uvicorn's httptools protocol with limits on the
request head, and every answer it gives itself as problem+json.

uvicorn's httptools protocol has no limit on the URL or the headers (its h11 protocol has one,
``h11_max_incomplete_event_size``, but tco serves with httptools): a 200 KB header and 20,000
headers got a 200, and the whole head is buffered before the app sees it, so the limits have to
hold here, while the head is read. Its own error answers (a malformed request, a URL its parser
cannot take) are text/plain; here they are problems like every other error.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tco.api.errors import PROBLEM_MEDIA_TYPE, problem_json
from tco.api.limits import MAX_HEADER_BYTES, MAX_URL_BYTES, head_problem

# A head still incomplete after this many bytes is over a limit whatever it holds (request line,
# the header bytes, their separators): refused without waiting for the rest of it.
_MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES + 4096


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; httptools reports it as a parser error."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    _refusal: tuple[int, str, str] | None = None
    _in_head = False
    _head_bytes = 0
    _header_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal, self._in_head, self._head_bytes, self._header_bytes = None, True, 0, 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._check(len(self.url), 0, 0)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        self._check(0, len(self.headers) + 1, self._header_bytes)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def _check(self, url_bytes: int, header_count: int, header_bytes: int) -> None:
        self._refusal = head_problem(url_bytes, header_count, header_bytes)
        if self._refusal is not None:
            raise _Refused

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            # httptools buffers a header until it ends: a single endless one never reaches
            # on_header, so the head is also measured as it arrives.
            self._head_bytes += len(data)
            if self._head_bytes > _MAX_HEAD_BYTES:
                self._refusal = (431, f"headers: over the {MAX_HEADER_BYTES}-byte limit in all", "headers")  # fmt: skip
                self.send_400_response("request head too large")

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse, and ours to one over a limit."""
        status, detail, field = self._refusal or (400, f"request: {msg}", "request")
        body = problem_json(status, detail, field=field, instance=None)
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Bad Request')}".encode(),
            *(name + b": " + value for name, value in self.server_state.default_headers),
            b"content-type: " + PROBLEM_MEDIA_TYPE.encode(),
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()


_REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}
