"""Checkov as an offline library: pinned environment, the call-out guard, logging, speedups."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys

import pytest

from engine.evaluate.checkov.offline import PINNED_ENVIRONMENT, load_checkov, scanning

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def checkov_loaded() -> str:
    return load_checkov("terraform", "kubernetes")


def test_environment_is_pinned() -> None:
    for key, value in PINNED_ENVIRONMENT.items():
        assert os.environ[key] == value


def test_platform_integration_is_sealed() -> None:
    from checkov.common.bridgecrew.platform_integration import bc_integration
    from checkov.common.parallelizer.parallel_runner import parallel_runner

    assert bc_integration.skip_download is True
    assert not bc_integration.bc_api_key
    assert parallel_runner.type == "none"


def test_guard_blocks_network_and_processes_during_a_scan() -> None:
    with scanning() as log:
        with pytest.raises(PermissionError):
            socket.getaddrinfo("www.bridgecrew.cloud", 443)
        with socket.socket() as raw, pytest.raises(PermissionError):
            raw.connect(("192.0.2.1", 443))  # TEST-NET-1: never routable anyway
        with pytest.raises(PermissionError):
            subprocess.run(["true"], check=False)
    assert any("getaddrinfo" in attempt and "bridgecrew" in attempt for attempt in log.blocked)
    assert any("socket.connect" in attempt for attempt in log.blocked)
    assert any("subprocess.Popen" in attempt for attempt in log.blocked)


def test_guard_is_dormant_outside_a_scan() -> None:
    assert subprocess.run([sys.executable, "-c", "pass"], check=False).returncode == 0


def test_checkov_logs_do_not_reach_the_host_during_a_scan(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with scanning():
        logging.warning("Failed to find context for resource x")  # as Checkov's code does
        logging.getLogger("checkov.terraform").warning("module failed to load")
    # Records made here are attributed to this test file, not to Checkov: they pass through.
    assert "Failed to find context" in caplog.text
    checkov_records = [r for r in caplog.records if r.name.startswith("checkov")]
    assert checkov_records == []


def test_import_leaves_the_root_logger_alone() -> None:
    probe = (
        "import logging\n"
        "root = logging.getLogger(); before = (list(root.handlers), root.level)\n"
        "from engine.evaluate.checkov.offline import load_checkov\n"
        "load_checkov('terraform', 'kubernetes')\n"
        "print((list(root.handlers), root.level) == before)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


def test_fast_interpreters_match_asteval_and_evaluate_the_same() -> None:
    import asteval
    from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions as sef

    from engine.evaluate.checkov.speedups import VERIFIED_ASTEVAL_VERSIONS, same_state

    if asteval.__version__ not in VERIFIED_ASTEVAL_VERSIONS:
        pytest.skip(f"asteval {asteval.__version__} is not patched")
    assert getattr(sef.get_asteval, "_gitops_fast", False)
    reference = asteval.Interpreter(symtable=sef.SAFE_EVAL_DICT, use_numpy=False, minimal=True)
    assert same_state(sef.get_asteval(), reference)

    expressions = ['1 + 2', 'lower("ABC")', 'max(3, 9)', '__terraform_try__("1/0", 5)',
                   'undefined_name + 1', '"a" if True else "b"', 'import os', 'format("%s-x", "y")',
                   '"unterminated', 'a b c']
    expressions += expressions  # the second round is served from the parse cache
    patched = [_evaluate(expression) for expression in expressions]
    sef_factory = sef.get_asteval
    try:
        sef.get_asteval = lambda: asteval.Interpreter(  # type: ignore[assignment]
            symtable=sef.SAFE_EVAL_DICT, use_numpy=False, minimal=True)
        original = [_evaluate(expression) for expression in expressions]
    finally:
        sef.get_asteval = sef_factory
    assert patched == original


def _evaluate(expression: str) -> tuple[str, object]:
    from checkov.terraform.graph_builder.variable_rendering.safe_eval_functions import evaluate

    try:
        return ("ok", evaluate(expression))
    except Exception as exc:
        return ("error", type(exc).__name__)
