"""Load Checkov as an offline library: no network, no subprocesses, no hijacked logging.

Checkov is built as a CLI that talks to the Prisma/Bridgecrew platform. Read from the
sources of Checkov 3.3.30, these are the ways it can call out, and what stops each one:

* ``checkov/common/util/banner.py`` asks pypi.org for a newer version *at import time*
  (``check_for_update``) unless ``CKV_SKIP_PACKAGE_UPDATE_CHECK`` is true. The banner is
  imported by ``checkov.main`` and ``RunnerRegistry``; we import neither, and pin the
  variable anyway in case a future runner module pulls it in.
* The guideline/ID-mapping download (``BcPlatformIntegration.get_public_run_config``, GET
  ``…/api/v2/guidelines``) and every other platform call run from ``checkov.main.Checkov.run``
  only — we never call it. ``BC_SKIP_MAPPING`` is pinned (the CLI's own switch for that
  download), and after import ``bc_integration.skip_download`` is set and its API key dropped
  (it reads ``~/.bridgecrew/credentials`` at import), so no platform path can be taken even
  if some code reached it.
* Remote Terraform modules (registry, git, GitHub, Bitbucket loaders) are fetched only with
  ``download_external_modules=True``; the runners get ``False`` and the scoped parser
  (``terraform.py``) skips Checkov's module-download pre-pass altogether.
* The image referencer (container image scans through the platform) runs only with
  ``RunnerFilter.run_image_referencer``, which stays ``False``.
* ``checkov/common/parallelizer`` forks worker processes to parse files
  (``CHECKOV_PARALLELIZATION_TYPE`` unset means ``fork`` on Linux). A library must not fork
  its host process, and sequential parsing keeps the order of results stable, so it is pinned
  to ``none`` (on the 262-file Kubernetes corpus that costs about 0.15 s).
* ``CHECKOV_CHECK_FAIL_LEVEL`` is pinned to ``ERROR``: a check that crashes is then logged as
  "Failed to run check …", which the engine turns into an error. (Checkov's report drops the
  UNKNOWN result of a crashed check silently.)

Importing Checkov also configures the root logger (a module-level ``logging.debug`` call
triggers ``logging.basicConfig``); the engine restores the root logger after import.

On top of that, while a Checkov scan runs, a ``sys.addaudithook`` guard refuses socket
connections, DNS lookups and process creation *from the scanning thread* and records the
attempt, so an unexpected call-out is blocked and reported instead of trusted away.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Pinned before Checkov is imported: several are read at import time.
PINNED_ENVIRONMENT: dict[str, str] = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "True",
    "BC_SKIP_MAPPING": "TRUE",
    "CHECKOV_PARALLELIZATION_TYPE": "none",
    "CHECKOV_CHECK_FAIL_LEVEL": "ERROR",
}

# What each part of the engine needs imported. A framework is loaded on its first scan only:
# the Terraform checks alone take most of Checkov's import time, and a Kubernetes-only scan
# (or a Terraform-only one) should not pay for the other.
_MODULES: dict[str, tuple[str, ...]] = {
    "core": (
        "checkov.version",
        "checkov.runner_filter",
        "checkov.common.parallelizer.parallel_runner",
        "checkov.common.bridgecrew.platform_integration",
    ),
    "terraform": ("checkov.terraform.runner",),
    "kubernetes": ("checkov.kubernetes.runner",),
}

_import_lock = threading.Lock()
_loaded: set[str] = set()


def load_checkov(*frameworks: str) -> str:
    """Import Checkov's core (and the named frameworks) once, offline; return its version."""
    unknown = set(frameworks) - set(_MODULES)
    if unknown:
        raise ValueError(f"unknown Checkov framework {sorted(unknown)[0]!r}")
    with _import_lock:
        todo = [part for part in ("core", *frameworks) if part not in _loaded]
        if todo:
            os.environ.update(PINNED_ENVIRONMENT)
            with _root_logger_preserved():
                import importlib

                for part in todo:
                    for name in _MODULES[part]:
                        importlib.import_module(name)
            for part in todo:
                _SEALS[part]()
                _loaded.add(part)
        from checkov.version import version

        return str(version)


@contextmanager
def _root_logger_preserved() -> Iterator[None]:
    # Checkov logs at import time before any handler exists, which makes logging call
    # basicConfig(): that must not decide how the host logs.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def _seal_core() -> None:
    from checkov.common.bridgecrew.platform_integration import bc_integration
    from checkov.common.models.enums import ParallelizationType
    from checkov.common.parallelizer.parallel_runner import parallel_runner

    bc_integration.skip_download = True
    bc_integration.bc_api_key = None
    # The environment pin only works if Checkov was not imported before us (the runner
    # reads it at import); set the object too.
    parallel_runner.type = ParallelizationType.NONE
    _install_guard()


def _seal_terraform() -> None:
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    from engine.evaluate.checkov.speedups import install_fast_asteval, install_safe_hcl_parser

    _fail_loudly([resource_registry, data_registry, provider_registry, module_registry])
    install_fast_asteval()
    install_safe_hcl_parser()


def _seal_kubernetes() -> None:
    from checkov.kubernetes.checks.resource.registry import registry

    _fail_loudly([registry])


def _fail_loudly(registries: list[Any]) -> None:
    # Same story as the parallel runner: CHECKOV_CHECK_FAIL_LEVEL is read when a check is
    # built, at import.
    from checkov.common.models.enums import CheckFailLevel

    for registry in registries:
        for checks in (*registry.checks.values(), *registry.wildcard_checks.values()):
            for check in checks:
                check.check_fail_level = CheckFailLevel.ERROR


_SEALS = {"core": _seal_core, "terraform": _seal_terraform, "kubernetes": _seal_kubernetes}


# --- the runtime guard --------------------------------------------------------------------

_BLOCKED_EVENTS = frozenset({
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
})


class _GuardState(threading.local):
    active: bool = False
    attempts: list[str]

    def __init__(self) -> None:
        self.attempts = []


_guard = _GuardState()
_guard_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # Called for every audited event in the process (imports, opens, compiles, ...): keep the
    # fast path to one attribute read.
    if not _guard.active or event not in _BLOCKED_EVENTS:
        return
    _guard.attempts.append(_describe(event, args))
    raise PermissionError(f"gitops-compliance: {event} blocked while Checkov is scanning")


def _describe(event: str, args: tuple[Any, ...]) -> str:
    if event == "socket.connect" and len(args) > 1:
        return f"{event} to {args[1]!r}"
    if event == "socket.getaddrinfo" and args:
        return f"{event} for {args[0]!r}"
    if event == "subprocess.Popen" and args:
        executable = args[0] if isinstance(args[0], (str, bytes, os.PathLike)) else None
        return f"{event} of {Path(os.fsdecode(executable)).name}" if executable else event
    return event


def _install_guard() -> None:
    global _guard_installed
    if not _guard_installed:
        sys.addaudithook(_audit)  # permanent by design; dormant unless a scan is running
        _guard_installed = True


@dataclass
class ScanLog:
    """What happened around one scan: blocked call-outs and checks that crashed."""

    blocked: list[str] = field(default_factory=list)
    crashed_checks: list[tuple[str, str, str]] = field(default_factory=list)  # id, file, entity


# Checkov's own wording in BaseCheck.log_check_error (no values, only the check and entity).
# Entity names may hold colons (RBAC "system:..."), so the file ends at its extension.
_CHECK_CRASH = re.compile(
    r"^Failed to run check (?P<id>\S+) on (?P<file>.+?\.(?:tf|hcl|ya?ml|json)):(?P<entity>.+)$"
)


class _CheckovRecords(logging.Filter):
    """Divert Checkov's log records away from the host's handlers during a scan.

    Checkov logs through the root logger and ``checkov.*`` loggers, at every level, and some
    INFO records carry whole resource configurations (secrets included). None of that may
    reach the user's terminal or log files; the crash records are kept as evidence.
    """

    def __init__(self, log: ScanLog, package_dir: str) -> None:
        super().__init__()
        self._log = log
        self._package_dir = package_dir

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.pathname.startswith(self._package_dir):
            return True
        if record.levelno >= logging.ERROR:
            match = _CHECK_CRASH.match(record.getMessage())
            if match:
                self._log.crashed_checks.append(
                    (match.group("id"), match.group("file"), match.group("entity"))
                )
        return False


@contextmanager
def scanning() -> Iterator[ScanLog]:
    """Guard one Checkov scan: block call-outs from this thread, divert Checkov's logs."""
    import checkov

    log = ScanLog()
    package_dir = str(Path(checkov.__file__).parent) + os.sep
    diverter = _CheckovRecords(log, package_dir)
    root = logging.getLogger()
    # Records of checkov.* loggers reach the root's handlers without passing the root's
    # filters: stop them at "checkov" (the NullHandler keeps logging's lastResort handler
    # from printing them instead).
    # "stopit" is the timeout helper vendored inside Checkov: it logs tracebacks.
    loggers = [logging.getLogger(name) for name in ("checkov", "stopit")]
    propagates = [logger.propagate for logger in loggers]
    sink = logging.NullHandler()
    root.addFilter(diverter)
    for logger in loggers:
        logger.addHandler(sink)
        logger.propagate = False
    _guard.attempts = []
    _guard.active = True
    try:
        yield log
    finally:
        _guard.active = False
        log.blocked.extend(_guard.attempts)
        _guard.attempts = []
        for logger, propagate in zip(loggers, propagates, strict=True):
            logger.propagate = propagate
            logger.removeHandler(sink)
        root.removeFilter(diverter)
