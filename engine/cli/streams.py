"""Standard output that cannot take the process down when the disk is full.

A command writes its report to ``out``; on a full disk (stdout redirected to a file on a
full volume, or to ``/dev/full``) or a closed pipe, Python raises ``OSError`` from whichever
``write`` or ``flush`` happens to fill the buffer — in the middle of any command. The guard
records the first failure and swallows the rest, so the command finishes its work (other
``-o FILE`` outputs are still written) and :func:`engine.cli.main.main` reports the failure
once, with exit 3.
"""

from __future__ import annotations

from typing import Any, TextIO


class GuardedOutput:
    """A ``TextIO`` stand-in: ``write`` and ``flush`` never raise ``OSError``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.error: OSError | None = None
        self.reported = False  # a command has already said what failed

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self.error = exc
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self.error = exc

    def isatty(self) -> bool:
        return self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stream_error(stream: TextIO) -> OSError | None:
    """The failure a guarded stream recorded (None for any other stream), marked reported."""
    if isinstance(stream, GuardedOutput) and stream.error is not None:
        stream.reported = True
        return stream.error
    return None
