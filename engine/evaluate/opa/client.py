"""A thin adapter over opa-python-client's session for the calls a scan makes.

opa-python-client builds the session we use (headers, bearer token). Where it falls short
for a merge gate, this module fills in, over that same ``requests`` session:

- **URL path prefixes** (``https://gateway.example.com/opa``): the client only knows
  host and port, so URLs are built here from the configured base URL;
- **CA bundles**: the client's ``ssl`` flag can only turn verification on; here ``verify``
  is the CA bundle path when one is configured, and verification is never turned off;
- **retries**: with backoff on connection errors and 502/503/504 for every method the scan
  uses (a query is a read: retrying a POST to ``/v1/data`` is safe);
- **policy uploads** go through a plain PUT: the client's ``update_policy_from_string``
  silently rewrites a policy OPA rejected (``rego_compat``), which must never happen to a
  compliance policy — a rejected policy is an error, shown with OPA's message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from engine.config import OpaSettings
from engine.evaluate.opa.errors import RemoteOpaError


class OpaHttp:
    """The REST calls of one scan, on one keep-alive session."""

    def __init__(self, settings: OpaSettings, environ: Mapping[str, str] | None = None) -> None:
        from opa_client.opa import OpaClient
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        environ = os.environ if environ is None else environ
        token = None
        if settings.token_env:
            token = environ.get(settings.token_env)
            if not token:
                raise RemoteOpaError(f"the OPA token variable {settings.token_env} is not set "
                                     "or empty", invalid=True)
        self._base = settings.url.rstrip("/")
        self._timeout = settings.timeout
        # The client's session carries the bearer token header; its retry policy only
        # covers 500/502/504 and not POST reads, so the adapters are replaced below.
        client = OpaClient(host="localhost", token=token, retries=0, timeout=settings.timeout)
        session = client._session
        retry = Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                      status=settings.retries, backoff_factor=0.2,
                      status_forcelist=(502, 503, 504), allowed_methods=None,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.verify = settings.ca_bundle or True
        session.trust_env = False  # no proxy or netrc from the environment: only this URL
        self._session = session

    def close(self) -> None:
        self._session.close()

    # -- calls -------------------------------------------------------------------------

    def health(self) -> None:
        self._request("GET", "/health", expect=(200,))

    def list_packages(self) -> set[str]:
        """Packages of every module loaded on the server (bundles included)."""
        body = self._request("GET", "/v1/policies", expect=(200,))
        packages = set()
        for module in body.get("result", []) if isinstance(body, Mapping) else []:
            path = ((module.get("ast") or {}).get("package") or {}).get("path") or []
            names = [str(t.get("value")) for t in path[1:] if isinstance(t, Mapping)]
            if names:
                packages.add(".".join(names))
        return packages

    def bundle_revisions(self) -> dict[str, str]:
        """bundle name -> manifest revision (``data.system.bundles``); empty when the
        server serves no bundle or hides ``system``."""
        try:
            body = self._request("GET", "/v1/data/system/bundles", expect=(200,))
        except RemoteOpaError:
            return {}
        bundles = body.get("result") if isinstance(body, Mapping) else None
        if not isinstance(bundles, Mapping):
            return {}
        out = {}
        for name, info in bundles.items():
            manifest = info.get("manifest") if isinstance(info, Mapping) else None
            revision = manifest.get("revision") if isinstance(manifest, Mapping) else None
            out[str(name)] = str(revision or "")
        return dict(sorted(out.items()))

    def put_policy(self, policy_id: str, text: str, display: str = "") -> None:
        """Upload one module as is. A rejection is an error: never retried with a
        rewritten policy (what opa-python-client's ``rego_compat`` would do)."""
        self._request("PUT", f"/v1/policies/{quote(policy_id, safe='')}",
                      data=text.encode("utf-8"), content_type="text/plain", expect=(200,),
                      what=f"the server rejected the policy {display or policy_id}")

    def delete_policy(self, policy_id: str) -> None:
        self._request("DELETE", f"/v1/policies/{quote(policy_id, safe='')}",
                      expect=(200, 404))

    def put_data(self, path: str, value: Any) -> None:
        self._request("PUT", f"/v1/data/{path}", data=_json_bytes(value),
                      content_type="application/json", expect=(204, 200))

    def delete_data(self, path: str) -> None:
        self._request("DELETE", f"/v1/data/{path}", expect=(204, 200, 404))

    def query_data(self, path: str, document: Any) -> Any:
        """``POST /v1/data/<path>`` with ``input``; RemoteOpaError when undefined."""
        body = self._request("POST", f"/v1/data/{path}", data=_json_bytes({"input": document}),
                             content_type="application/json", expect=(200,))
        if not isinstance(body, Mapping) or "result" not in body:
            raise RemoteOpaError(f"data.{path.replace('/', '.')} is undefined on the server")
        return body["result"]

    def query(self, query: str, document: Any) -> list[Any]:
        """``POST /v1/query``: the result rows (variable bindings)."""
        body = self._request("POST", "/v1/query",
                             data=_json_bytes({"query": query, "input": document}),
                             content_type="application/json", expect=(200,))
        rows = body.get("result") if isinstance(body, Mapping) else None
        return rows if isinstance(rows, list) else []

    def _request(self, method: str, path: str, *, expect: tuple[int, ...],
                 data: bytes | None = None, content_type: str = "",
                 what: str = "") -> Any:
        import requests

        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = self._session.request(method, self._base + path, data=data,
                                             headers=headers, timeout=self._timeout)
        except requests.exceptions.SSLError:
            raise RemoteOpaError(f"TLS verification of {self._base} failed (set opa.ca_bundle "
                                 "to the server's CA)") from None
        except requests.exceptions.RequestException as exc:
            cause = _root_cause(exc)
            if isinstance(exc, requests.exceptions.Timeout) or isinstance(cause, TimeoutError):
                raise RemoteOpaError(f"{method} {path}: no answer from {self._base} within "
                                     f"{self._timeout:g} s") from None
            raise RemoteOpaError(f"{method} {path}: OPA server {self._base} unreachable "
                                 f"({type(cause).__name__})") from None
        if response.status_code not in expect:
            raise RemoteOpaError(f"{what or method + ' ' + path}: HTTP {response.status_code}"
                                 f"{_opa_message(response)}")
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise RemoteOpaError(f"{method} {path}: the answer is not JSON") from None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None or exc.__context__ is not None:
        nxt = exc.__cause__ or exc.__context__
        assert nxt is not None
        exc = nxt
    return exc


def _opa_message(response: Any) -> str:
    """OPA's error code and message (and the first compile error's location)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, Mapping):
        return ""
    parts = [str(body.get("code") or ""), str(body.get("message") or "")]
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        where = first.get("location") or {}
        at = (f"{where.get('file', '')}:{where.get('row')}: "
              if isinstance(where, Mapping) and where.get("row") else "")
        parts.append(f"{at}{first.get('message', '')}")
    text = ": ".join(p for p in parts if p)
    return f" ({text})" if text else ""
