"""conftest exceptions as waiver-register entries: no owner, no expiry, always listed."""

from __future__ import annotations

from engine.decide.conftest_exceptions import register_entries
from engine.model import ConftestException, ScanResult


def _exception(resource: str, line: int, waived: int) -> ConftestException:
    return ConftestException(policy_id="main.deny_run_as_root", namespace="main",
                             rule="deny_run_as_root", name="run_as_root", file="k8s/a.yaml",
                             line=line, resource=resource, matches=1, waived=waived,
                             source="policy/k8s.rego")


def test_each_waived_rule_and_resource_is_one_entry_without_owner_or_expiry() -> None:
    result = ScanResult(root="/r", scope=("",), findings=(), errors=(), units=(), excluded=(),
                        fail_on=None, conftest_exceptions=(
                            _exception("Deployment/default/agent", 1, 1),
                            _exception("Deployment/default/agent", 9, 0),
                            _exception("Deployment/default/web", 20, 2)))
    entries = register_entries(result)
    assert [(e["scope"]["resources"], e["waived_findings"]) for e in entries] == [
        (["Deployment/default/agent"], 1), (["Deployment/default/web"], 2)]
    first = entries[0]
    assert first["kind"] == "conftest"
    assert first["policies"] == ["main.deny_run_as_root"]
    assert first["reason"] == "conftest exception 'run_as_root' in policy/k8s.rego"
    assert all(first[k] is None for k in ("owner", "approver", "approved_on", "expires"))
    assert first["id"].startswith("conftest-") and len({e["id"] for e in entries}) == 2
