"""SIGINT and SIGTERM unwind the run like an exception, so every ``finally`` runs.

Python turns SIGINT into ``KeyboardInterrupt`` but lets SIGTERM (what CI runners, ``timeout``
and ``kill`` send) end the process on the spot: the Helm render worker (in its own session,
so a terminal's Ctrl-C does not reach it) would be orphaned, and the temporary folders of a
git-mode scan left behind. Here both signals raise :class:`Interrupted`; the context managers
on the way up kill the worker, remove temporary files and folders, and an output file being
written is either untouched or whole (engine/report/writer.py). The process then exits with
the shell's convention for "ended by signal N", 128 + N: 130 for SIGINT, 143 for SIGTERM —
not one of 0-3, because the scan did not finish and has no verdict.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import TextIO

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread by the first SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_received: list[int] = []


def _handler(signum: int, frame: FrameType | None) -> None:
    if _received:
        # A second signal while the first unwinds is ignored: raising again could cut a
        # cleanup (killing the worker, removing a temporary file) in half. SIGKILL still
        # ends the process.
        return
    _received.append(signum)
    raise Interrupted(signum)


def install() -> None:
    """Route SIGINT and SIGTERM to :class:`Interrupted` (main thread only; the console
    entry point calls this, in-process callers such as the tests keep their own handlers)."""
    for signum in HANDLED:
        signal.signal(signum, _handler)


def exit_code(exc: KeyboardInterrupt) -> int:
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    return 128 + int(signum)


def report(exc: KeyboardInterrupt, err: TextIO) -> int:
    """Say what happened on ``err`` (if it can still be written) and return the exit code."""
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    code = exit_code(exc)
    try:
        err.write(f"gitops-compliance: interrupted by {signal.Signals(signum).name}; the run "
                  f"did not finish and has no verdict (exit {code}). Output files not yet "
                  "written were left as they were; none is half-written.\n")
        err.flush()
    except (OSError, ValueError):
        pass
    return code
