"""Start-up known-answer check of the embedded Rego engine (DESIGN.md §6, §9).

Several PyPI distributions install a module named ``regorus``; the ones measured against
real OPA disagree with it in ways that silently pass non-compliant resources (an upstream
0.9.1 build missed privileged DaemonSets; rego-cpp returns *undefined* for several
built-ins). So before a scan the engine must answer a small v1 policy exactly as OPA does
(the expected answer below was produced by OPA's Go engine); otherwise the scan stops with
the reason and the distribution that provides the module (exit 2).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.evaluate.rego.errors import EngineMismatchError, clean_engine_message

if TYPE_CHECKING:
    import importlib.metadata

EXPECTED_DISTRIBUTION = "gordon-to-regorus"

# Distributions known to disagree with OPA even where a small probe may pass.
_KNOWN_DIVERGENT = {
    "celine-regorus": "upstream regorus 0.9.1 disagrees with OPA on real Kubernetes policies",
}
# Checked first, cheaply, before falling back to a scan of every installed distribution.
_CANDIDATES = (EXPECTED_DISTRIBUTION, "regorus", "celine-regorus", "regopy")
_REQUIRED_API = ("add_policy", "add_data", "set_input", "eval_rule_as_json",
                 "eval_query_as_json", "clone", "get_ast_as_json")

SELFTEST_RULE = "data.gitops_compliance_selftest.answer"
SELFTEST_POLICY = """package gitops_compliance_selftest

# `contains` in a rule head, `some .. in`, `every`, startswith/sprintf in the body.
tagged contains item if {
	some r in input.resources
	startswith(r.type, "aws_")
	every key in ["owner", "cost"] {
		key in object.keys(r.tags)
	}
	item := {"msg": sprintf("%s is tagged", [r.address]), "resource": r.address}
}

# The contains() built-in over an iterated array, negation, object.get defaults.
logs contains r.address if {
	some r in input.resources
	contains(r.names[_], "log")
}

untagged contains r.address if {
	some r in input.resources
	not every_tag(r)
}

every_tag(r) if every key in ["owner", "cost"] { object.get(r.tags, key, "") != "" }

kind(r) := "terraform" if regex.match(`^[a-z0-9]+_`, r.type) else := "kubernetes"

answer := {
	"tagged": tagged,
	"logs": logs,
	"untagged": sort(untagged),
	"kinds": [kind(r) | some r in input.resources],
	"count": count({t | some r in input.resources; t := r.type}),
}
"""
SELFTEST_INPUT: dict[str, Any] = {
    "resources": [
        {"address": "aws_s3_bucket.logs", "type": "aws_s3_bucket",
         "tags": {"owner": "a", "cost": "1"}, "names": ["audit-logs", "x"]},
        {"address": "aws_s3_bucket.data", "type": "aws_s3_bucket", "tags": {"owner": "b"},
         "names": ["data"]},
        {"address": "Deployment/ml/trainer", "type": "Deployment", "tags": {},
         "names": ["trainer"]},
    ]
}
# OPA 1.x's answer for SELFTEST_POLICY on SELFTEST_INPUT (sets serialize as sorted arrays).
SELFTEST_ANSWER: dict[str, Any] = {
    "count": 2,
    "kinds": ["terraform", "terraform", "kubernetes"],
    "logs": ["aws_s3_bucket.logs"],
    "tagged": [{"msg": "aws_s3_bucket.logs is tagged", "resource": "aws_s3_bucket.logs"}],
    "untagged": ["Deployment/ml/trainer", "aws_s3_bucket.data"],
}


def _owns_module(dist: importlib.metadata.Distribution, package_dir: Path) -> bool:
    """True when ``dist``'s RECORD lists the files of the imported ``regorus`` package with
    the sizes they have on disk (the last installer to write them wins)."""
    matched = False
    for record in dist.files or ():
        if not record.parts or record.parts[0] != "regorus" or record.size is None:
            continue
        located = Path(str(record.locate()))
        if located.parent.resolve() != package_dir:
            continue
        try:
            if located.stat().st_size != record.size:
                return False
        except OSError:
            return False
        matched = True
    return matched


def installed_distribution() -> str:
    """``"<name> <version>"`` of the distribution that provides the ``regorus`` module."""
    import importlib.metadata  # lazy: ~30 ms, only needed at scan start-up

    spec = importlib.util.find_spec("regorus")
    if spec is None or spec.origin is None:
        return "no installed distribution (module 'regorus' not found)"
    package_dir = Path(spec.origin).resolve().parent
    for name in _CANDIDATES:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if _owns_module(dist, package_dir):
            return f"{dist.metadata['Name']} {dist.version}"
    # Slow path (~0.1 s): only reached when something unexpected provides the module.
    owners = importlib.metadata.packages_distributions().get("regorus", [])
    if not owners:
        return "an unknown distribution (no package metadata)"
    versions = []
    for name in sorted(set(owners)):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(name)
    return ", ".join(versions)


def _default_factory() -> Callable[[], Any]:
    import regorus  # lazy: `--help` must not pay for the engine

    factory: Callable[[], Any] = regorus.Engine
    return factory


def check_engine(engine_factory: Callable[[], Any] | None = None, *,
                 distribution: str | None = None) -> str:
    """Run the known-answer check; return the engine's distribution on success.

    ``engine_factory`` builds an empty engine (default ``regorus.Engine``);
    ``distribution`` overrides the detected distribution name (tests). Raises
    ``EngineMismatchError`` with the reason otherwise.
    """
    dist = distribution
    if engine_factory is None:
        dist = dist or installed_distribution()
        try:
            engine_factory = _default_factory()
        except ImportError as exc:
            raise EngineMismatchError(f"cannot import the regorus module ({exc})", dist) from None
    dist = dist or "a custom engine"

    name = dist.split()[0] if dist else ""
    if name in _KNOWN_DIVERGENT:
        raise EngineMismatchError(_KNOWN_DIVERGENT[name], dist)

    try:
        engine = engine_factory()
    except Exception as exc:  # any failure to build the engine is a mismatch, not a crash
        raise EngineMismatchError(f"cannot create an engine ({exc})", dist) from None
    missing = [m for m in _REQUIRED_API if not callable(getattr(engine, m, None))]
    if missing:
        raise EngineMismatchError(f"the engine lacks {', '.join(missing)}", dist)

    try:
        engine.add_policy("selftest.rego", SELFTEST_POLICY)
        engine.set_input(SELFTEST_INPUT)
        raw = engine.eval_rule_as_json(SELFTEST_RULE)
        answer = json.loads(raw)
    except Exception as exc:  # parse errors, missing built-ins, a non-JSON answer
        reason = clean_engine_message(str(exc)).splitlines()
        raise EngineMismatchError(
            "it cannot evaluate the known-answer Rego v1 policy "
            f"({reason[-1] if reason else type(exc).__name__})", dist) from None
    if answer != SELFTEST_ANSWER:
        raise EngineMismatchError(
            "it gives a different answer than OPA on the known-answer policy: expected "
            f"{json.dumps(SELFTEST_ANSWER, sort_keys=True)}, got "
            f"{json.dumps(answer, sort_keys=True)[:500]}", dist)
    return dist
