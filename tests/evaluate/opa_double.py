"""A TEST DOUBLE of an OPA server: the REST endpoints our remote mode uses, evaluated by
real OPA's Go engine (opa-golib-python-bindings).

No OPA binary or server can be installed on these machines (DESIGN.md §9), so this small
HTTP server stands in for one. It implements only what the client calls — ``GET /health``,
``GET/PUT/DELETE /v1/policies/<id>``, ``PUT/DELETE/GET/POST /v1/data/<path>``,
``POST /v1/query`` — with OPA's response shapes and error bodies, and evaluates every query
with OPA's own engine, so results, compile errors and ``with`` semantics are OPA's. What it
does not model: bundles (``bundles`` preloads modules as a bundle would and answers
``data.system.bundles``), decision logs, the full authz policy (only a bearer-token check),
and OPA's exact compile-error wording (it forwards the Go engine's).

Faults for the client's error paths: ``drop_next`` requests are answered by closing the
connection (a network blip: retried by the client), ``delay`` seconds before each answer
(timeouts), ``status_next`` forces an HTTP status on the next requests (503: retried).
``requests`` records (method, path, headers, body) for request-shape assertions.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from tests.oracle import require_opa

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_.]*)", re.MULTILINE)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class OpaDouble:
    prefix: str = ""  # a path prefix the server is mounted under ("/opa")
    token: str = ""  # bearer token required on every request when set
    bundles: dict[str, str] = field(default_factory=dict)  # bundle name -> revision
    modules: dict[str, str] = field(default_factory=dict)  # policy id -> Rego text
    data: dict[str, Any] = field(default_factory=dict)
    drop_next: int = 0
    status_next: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _compiled: tuple[Any, Any] | None = None  # (state, engine): compile once per state
    _version: int = 0  # bumped by every write through the REST API

    # -- evaluation with real OPA ------------------------------------------------------

    def _engine(self, modules: Mapping[str, str]) -> Any:
        engine = require_opa()()
        for name, text in sorted(modules.items()):
            engine.add_policy(name, text)
        engine.add_data(self.data)
        return engine

    def evaluate(self, query: str, document: Any) -> list[Any]:
        # Like a real server, compile the loaded policies and data once per change of them,
        # not once per query.
        state = (self._version, tuple(sorted(self.modules)))
        if self._compiled is None or self._compiled[0] != state:
            self._compiled = (state, self._engine(self.modules))
        rows: list[Any] = self._compiled[1].eval_query(query, input=document)
        return rows

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str],
               body: bytes) -> tuple[int, Any] | None:
        """(status, JSON body) — or None to drop the connection."""
        with self._lock:
            self.requests.append(Recorded(method, path, dict(headers), body))
            if self.delay:
                time.sleep(self.delay)
            if self.drop_next > 0:
                self.drop_next -= 1
                return None
            if self.status_next:
                return self.status_next.pop(0), {"code": "unavailable", "message": "busy"}
            if self.prefix:
                if not path.startswith(self.prefix + "/"):
                    return 404, {"code": "not_found", "message": "unknown path"}
                path = path[len(self.prefix):]
            if self.token and headers.get("Authorization") != f"Bearer {self.token}":
                return 401, {"code": "unauthorized",
                             "message": "the request is not authorized"}
            return self._route(method, path, body)

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if path == "/health" and method == "GET":
            return 200, {}
        if path == "/v1/policies" and method == "GET":
            return 200, {"result": [_policy_info(i, t) for i, t in sorted(self.modules.items())]}
        if path.startswith("/v1/policies/"):
            policy_id = unquote(path.removeprefix("/v1/policies/"))
            if method == "PUT":
                return self._put_policy(policy_id, body.decode("utf-8"))
            if method == "DELETE":
                if policy_id not in self.modules:
                    return 404, {"code": "resource_not_found",
                                 "message": f"storage_not_found_error: policy id {policy_id!r}"}
                del self.modules[policy_id]
                self._version += 1
                return 200, {}
        if path == "/v1/data/system/bundles" and method == "GET":
            return 200, {"result": {name: {"manifest": {"revision": rev, "roots": [""]}}
                                    for name, rev in self.bundles.items()}}
        if path.startswith("/v1/data/"):
            segments = [unquote(s) for s in path.removeprefix("/v1/data/").split("/") if s]
            return self._data(method, segments, body)
        if path == "/v1/query" and method == "POST":
            request = json.loads(body or b"{}")
            try:
                rows = self.evaluate(request["query"], request.get("input"))
            except Exception as exc:
                return 400, _error(exc)
            return 200, {"result": rows}
        return 404, {"code": "not_found", "message": f"{method} {path}"}

    def _put_policy(self, policy_id: str, text: str) -> tuple[int, Any]:
        candidate = {**self.modules, policy_id: text}
        try:
            self._engine(candidate).eval_query("true")  # compiles every module, as OPA does
        except Exception as exc:
            return 400, _error(exc)
        self.modules[policy_id] = text
        self._version += 1
        return 200, {}

    def _data(self, method: str, segments: list[str], body: bytes) -> tuple[int, Any]:
        if method == "PUT":
            _set(self.data, segments, json.loads(body))
            self._version += 1
            return 204, None
        if method == "DELETE":
            if not _delete(self.data, segments):
                return 404, {"code": "resource_not_found", "message": "storage_not_found_error"}
            self._version += 1
            return 204, None
        if method in ("GET", "POST"):
            document = json.loads(body).get("input") if body else None
            ref = "data" + "".join(f"[{json.dumps(s)}]" for s in segments)
            try:
                rows = self.evaluate(f"x := {ref}", document)
            except Exception as exc:
                return 400, _error(exc)
            return 200, ({"result": rows[0]["x"]} if rows else {})
        return 405, {"code": "method_not_allowed", "message": method}


def _policy_info(policy_id: str, text: str) -> dict[str, Any]:
    match = _PACKAGE.search(text)
    path = [{"type": "var", "value": "data"}] + [
        {"type": "string", "value": part} for part in (match.group(1).split(".") if match else [])]
    return {"id": policy_id, "raw": text, "ast": {"package": {"path": path}}}


def _error(exc: Exception) -> dict[str, Any]:
    message = getattr(exc, "message", str(exc))
    code = getattr(exc, "code", "internal_error")
    return {"code": "invalid_parameter", "message": "error(s) occurred while compiling module(s)"
            if code in ("parse_error", "prepare_error") else message,
            "errors": [{"code": code, "message": message}]}


def _set(target: dict[str, Any], segments: list[str], value: Any) -> None:
    if not segments:
        target.clear()
        target.update(value)
        return
    for segment in segments[:-1]:
        target = target.setdefault(segment, {})
    target[segments[-1]] = value


def _delete(target: dict[str, Any], segments: list[str]) -> bool:
    for segment in segments[:-1]:
        nxt = target.get(segment)
        if not isinstance(nxt, dict):
            return False
        target = nxt
    return target.pop(segments[-1], None) is not None if segments else False


class _Handler(BaseHTTPRequestHandler):
    double: OpaDouble
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.double.handle(self.command, self.path, dict(self.headers), body)
        if answer is None:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status, payload = answer
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(double: OpaDouble, tls: ssl.SSLContext | None = None) -> Iterator[OpaDouble]:
    handler = type("Handler", (_Handler,), {"double": double})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    double.url = f"{scheme}://127.0.0.1:{server.server_address[1]}{double.prefix}"
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
