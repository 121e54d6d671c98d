"""A small OpenAI-compatible mock server for running the real benchmark tools in tests: streaming
(SSE) chat/completions and completions on 127.0.0.1, one word-token per chunk, usage at the end.

``python -m tests.tools.mock_openai PORT`` serves until killed."""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def _send(self, obj: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
        self.wfile.flush()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        tokens = int(request.get("max_tokens") or request.get("max_completion_tokens") or 16)
        chat = self.path.endswith("/chat/completions")
        prompt = json.dumps(request.get("messages") or request.get("prompt") or "")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        time.sleep(0.02)  # time to first token
        for i in range(tokens):
            word = f" w{i % 500}"
            choice = {"index": 0, "finish_reason": None}
            choice |= {"delta": {"content": word}} if chat else {"text": word}
            kind = "chat.completion.chunk" if chat else "text_completion"
            self._send({"id": "mock", "object": kind, "model": "mock-model", "choices": [choice]})
            time.sleep(0.005)  # time per output token
        prompt_tokens = len(prompt.split())
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": tokens,
                 "total_tokens": prompt_tokens + tokens}  # fmt: skip
        final = {"index": 0, "delta": {}, "text": "", "finish_reason": "length"}
        self._send({"id": "mock", "model": "mock-model", "choices": [final], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def serve(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
