"""conftest-style policies ("bring your own Rego", docs/conftest.md).

A user's conftest policy directory runs unchanged: each file conftest could parse is one
``input`` (multi-document YAML one document at a time), the ``main`` namespace by default,
``deny``/``violation`` fail, ``warn`` warns, ``exception`` waives — counted exactly as
``conftest test`` counts. regorus (the embedded engine) is imported lazily by the loader.
"""

from __future__ import annotations

from engine.evaluate.conftest.evaluator import ConftestEvaluator, FileEvaluation, resource_of
from engine.evaluate.conftest.policies import (
    DEFAULT_NAMESPACE,
    REGO_VERSIONS,
    UNSUPPORTED_BUILTINS,
    ConftestPolicySet,
    RuleInfo,
    Selection,
    exception_name,
    is_failure,
    is_warning,
    load_conftest_policies,
)

__all__ = [
    "DEFAULT_NAMESPACE",
    "REGO_VERSIONS",
    "UNSUPPORTED_BUILTINS",
    "ConftestEvaluator",
    "ConftestPolicySet",
    "FileEvaluation",
    "RuleInfo",
    "Selection",
    "exception_name",
    "is_failure",
    "is_warning",
    "load_conftest_policies",
    "resource_of",
]
