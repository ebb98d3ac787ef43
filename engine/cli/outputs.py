"""``-o FORMAT[=FILE]`` for every command: the same meaning (repeatable, ``=FILE`` written
atomically, at most one format on standard output), with each command's own formats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from engine.model import EXIT_INCOMPLETE


class OutputUsageError(Exception):
    pass


@dataclass(frozen=True)
class Output:
    format: str
    file: Path | None  # None: standard output


def parse_outputs(specs: Sequence[str], known: Sequence[str], default: str) -> list[Output]:
    outputs = []
    for spec in specs or [default]:
        name, _, file = spec.partition("=")
        if name not in known:
            raise OutputUsageError(f"-o {spec}: unknown format {name!r} "
                                   f"(known: {', '.join(sorted(known))})")
        if "=" in spec and not file:
            raise OutputUsageError(f"-o {spec}: missing file name after '='")
        outputs.append(Output(name, Path(file) if file else None))
    if sum(1 for o in outputs if o.file is None) > 1:
        raise OutputUsageError("only one -o format can go to standard output; give the others "
                               "=FILE")
    return outputs


def write_output(output: Output, text: str, out: TextIO, err: TextIO) -> int:
    """0, or EXIT_INCOMPLETE when the text could not be written (said on ``err``)."""
    from engine.report.writer import OutputError, write_atomic

    if output.file is None:
        from engine.cli.streams import stream_error

        try:
            out.write(text)
            out.flush()
            failure = stream_error(out)
            if failure is not None:
                raise failure
        except OSError as exc:
            err.write(f"gitops-compliance: error: cannot write the {output.format} output to "
                      f"standard output: {exc.strerror or exc}\n")
            return EXIT_INCOMPLETE
        return 0
    try:
        write_atomic(output.file, text)
    except OutputError as exc:  # "cannot write FILE: reason"; the other outputs still go out
        err.write(f"gitops-compliance: error: {output.format} output: {exc}\n")
        return EXIT_INCOMPLETE
    return 0
