"""The Rego rules evaluated by a remote OPA server (``--opa-url``), one round trip per unit.

Two modes (docs/remote-opa.md):

- ``query`` (default): the server already has the policies (a bundle served to the OPA
  fleet, the same one admission control uses), written to our input contract. Start-up
  checks that every package of the local policy set exists on the server (a missing one
  would otherwise evaluate to "no findings": a silent pass) and records the bundle
  revisions. Each unit is one ``POST /v1/query`` whose ``with`` clauses supply the unit as
  ``input`` and the scan's inventory and parameters as ``data.inventory`` and
  ``data.gitops_compliance.params`` — nothing is written to the server, so a read-only
  token suffices. The cost: the inventory travels with every unit.
- ``push``: the local policy set (policies, libraries, data files) is uploaded under a
  namespace derived from its digest (engine/evaluate/opa/namespace.py) together with the
  inventory and parameters; each unit is one ``POST /v1/data/<namespace>/...``; everything
  is deleted afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.config import OpaSettings
from engine.evaluate.opa.client import OpaHttp
from engine.evaluate.opa.errors import RemoteOpaError
from engine.evaluate.opa.namespace import namespace_for, namespaced_module, upload_order
from engine.evaluate.rego.evaluator import package_query
from engine.evaluate.rego.loader import AGGREGATE_PACKAGE
from engine.mappings import deep_merge

if TYPE_CHECKING:
    from engine.evaluate.rego.loader import PolicySet

MODES = ("query", "push")


class RemoteOpaBackend:
    """A ``RuleBackend`` (engine/evaluate/rego/evaluator.py) on an OPA server.

    Construct it, use it, then ``close()`` it (push mode deletes what it uploaded).
    Raises ``RemoteOpaError`` when the server cannot serve the scan; the caller turns that
    into an engine error (exit 3), never a pass.
    """

    def __init__(self, settings: OpaSettings, policy_set: PolicySet,
                 params: Mapping[str, Any], inventory: Mapping[str, Any], *,
                 environ: Mapping[str, str] | None = None) -> None:
        if settings.mode not in MODES:
            raise RemoteOpaError(f"unknown OPA mode {settings.mode!r} (expected query or push)")
        self._http = OpaHttp(settings, environ)
        self._mode = settings.mode
        self._policy_set = policy_set
        self._uploaded: list[str] = []
        self._namespace = ""
        self.revisions: dict[str, str] = {}
        self._scan_data = {"inventory": dict(inventory),
                           "params": dict(params)}
        try:
            self._http.health()
            if self._mode == "push":
                self._push(policy_set, params, inventory)
            else:
                self._check_packages(policy_set)
                self.revisions = self._http.bundle_revisions()
                self._all_query = _aggregate_query(policy_set.packages)
        except BaseException:
            self.close()
            raise

    # -- RuleBackend -------------------------------------------------------------------

    def evaluate_all(self, document: dict[str, Any]) -> list[Any]:
        if self._mode == "push":
            result = self._http.query_data(self._data_path(AGGREGATE_PACKAGE, "results"),
                                           document)
        else:
            result = self._query(self._all_query, document)
        if not isinstance(result, list):
            raise RemoteOpaError("the aggregate result is not a list")
        return result

    def evaluate_package(self, package: str, document: dict[str, Any]) -> list[Any]:
        if self._mode == "push":
            query = package_query(f"{self._namespace}.{package}")
            answer = self._http.query(f"r := {query}", document)
            return _as_list(_binding(answer, "r"))
        return _as_list(self._query(package_query(package), document))

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Delete what push mode uploaded (best effort: a failed delete is not a finding,
        and the namespace is private to this bundle digest)."""
        try:
            for policy_id in reversed(self._uploaded):
                with contextlib.suppress(RemoteOpaError):
                    self._http.delete_policy(policy_id)
            if self._namespace:
                with contextlib.suppress(RemoteOpaError):
                    self._http.delete_data(self._namespace.replace(".", "/"))
            self._uploaded = []
        finally:
            self._http.close()

    # -- internals ---------------------------------------------------------------------

    def _check_packages(self, policy_set: PolicySet) -> None:
        present = self._http.list_packages()
        wanted = set(policy_set.packages) | set(policy_set.libraries)
        missing = sorted(wanted - present)
        if missing:
            raise RemoteOpaError(
                f"{len(missing)} polic{'y' if len(missing) == 1 else 'ies'} of the loaded set "
                f"{'is' if len(missing) == 1 else 'are'} not on the OPA server: "
                f"{', '.join(missing[:10])}{' …' if len(missing) > 10 else ''} "
                "(deploy the bundle, or use opa.mode: push)")

    def _push(self, policy_set: PolicySet, params: Mapping[str, Any],
              inventory: Mapping[str, Any]) -> None:
        self._namespace = namespace_for(policy_set.digest)
        data = deep_merge(policy_set.data, {
            "inventory": dict(inventory),
            "gitops_compliance": {"params": dict(params)},
        })
        self._http.put_data(self._namespace.replace(".", "/"), data)
        for name, text in upload_order(policy_set.modules):
            policy_id = f"{self._namespace}/{name}"
            self._http.put_policy(policy_id, namespaced_module(text, self._namespace),
                                  display=name)
            self._uploaded.append(policy_id)

    def _data_path(self, package: str, rule: str) -> str:
        return f"{self._namespace}.{package}.{rule}".replace(".", "/")

    def _query(self, expression: str, document: dict[str, Any]) -> Any:
        query = (f"r := {expression} with input as input.unit "
                 "with data.inventory as input.inventory "
                 "with data.gitops_compliance.params as input.params")
        rows = self._http.query(query, {"unit": document, **self._scan_data})
        return _binding(rows, "r")


def _as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise RemoteOpaError("the OPA server returned a non-list result")
    return value


def _aggregate_query(packages: tuple[str, ...]) -> str:
    return "[" + ", ".join(package_query(p) for p in packages) + "]"


def _binding(rows: list[Any], name: str) -> Any:
    if not rows or not isinstance(rows[0], Mapping) or name not in rows[0]:
        raise RemoteOpaError("the OPA server returned no result for the query")
    return rows[0][name]


