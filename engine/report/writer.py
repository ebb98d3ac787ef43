"""Write report files atomically: a temporary name in the same folder, then a rename.

An interrupted run therefore leaves either the previous file or the complete new one,
never half a report that a CI step would upload, and no temporary file (it is removed on
any error and on an interrupt, which unwinds as an exception: engine/cli/interrupt.py).

Special files are written in place, never replaced: a FIFO, a device (``/dev/full``,
``/dev/null``), anything under ``/dev`` or ``/proc`` (``/dev/stdout`` is a link to whatever
standard output is, possibly a regular file). Tests and CI run as root, and a rename over
``/dev/full`` would succeed and turn the device node into a report. A symbolic link to a
regular file is followed: its target is replaced atomically and the link stays a link.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output file could not be written; the message names the file and the cause."""


_IN_PLACE_ROOTS = ("/dev/", "/proc/")


def writes_in_place(path: Path) -> bool:
    """Whether ``path`` is written directly rather than through a temporary file."""
    absolute = os.path.abspath(path)
    if absolute.startswith(_IN_PLACE_ROOTS):
        return True
    try:
        mode = os.stat(absolute).st_mode  # follows links: what would be written
    except OSError:
        return False  # does not exist (yet) or cannot be reached: the atomic path says why
    return not stat.S_ISREG(mode)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8, or ``bytes`` as they are: a PDF) to ``path`` atomically."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if writes_in_place(path):
        # Nothing to protect, and nothing to rename over. Append, not truncate: on a device
        # or FIFO it is the same, and /dev/stdout redirected to a log keeps what is in it.
        try:
            with open(path, "ab") as handle:
                handle.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        # mkstemp creates the file 0600 and the rename keeps that: a report would be
        # unreadable to the CI step that uploads it. A new report gets what open() would
        # give it (0666 less the umask); a replaced one keeps its mode.
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _mode_for(target: Path) -> int:
    try:
        info = os.stat(target)
    except OSError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        return stat.S_IMODE(info.st_mode)
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask. Linux shows it in /proc (reading it leaves it untouched);
    elsewhere it can only be read by setting it, and is set straight back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
