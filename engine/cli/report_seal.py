"""Sealing the folder ``report quarterly`` wrote: ``--sign`` and the lines it prints.

``report quarterly`` resolves ``--sign`` (engine/cli/report_args.py) with
:func:`resolve_signer` before its run and calls :func:`seal` once every artifact is
written. The digest it prints is what a quality system records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from engine.audit.seal import SUMS_NAME, SealError, sign_sums, write_sums
from engine.audit.signature import SignatureError, Signer, signer_from
from engine.model import EXIT_INCOMPLETE, EXIT_USAGE
from engine.report.text import clean


def resolve_signer(value: str | None, environ: Mapping[str, str], err: TextIO
                   ) -> tuple[Signer | None, int]:
    """The signer of ``--sign``/``$GITOPS_COMPLIANCE_SIGN``; exit code 2 when it is
    malformed. Call it before the (long) report run, so a typo costs nothing."""
    try:
        signer = signer_from(value, environ)
    except SignatureError as exc:
        err.write(f"gitops-compliance: error: {clean(exc)}\n")
        return None, EXIT_USAGE
    if signer is not None and signer.kind == "ssh" and not Path(signer.key).expanduser().is_file():
        err.write(f"gitops-compliance: error: --sign {clean(signer)}: no such key file\n")
        return None, EXIT_USAGE
    return signer, 0


def seal(out_dir: Path, names: Sequence[str], signer: Signer | None, out: TextIO,
         err: TextIO) -> int:
    """Write SHA256SUMS (and its signature), print the digest; 0, or 3 when the folder could
    not be sealed (the report is then incomplete: never hand it over unsealed)."""
    try:
        digest = write_sums(out_dir, names)
        written = sign_sums(out_dir, signer) if signer is not None else None
    except SealError as exc:
        # Half a seal must not verify: a folder meant to be signed is left unsealed.
        for name in (SUMS_NAME, f"{SUMS_NAME}.sig", f"{SUMS_NAME}.asc"):
            with contextlib.suppress(OSError):
                (out_dir / name).unlink()
        err.write(f"gitops-compliance: error: {clean(exc)}; the folder is not sealed\n")
        return EXIT_INCOMPLETE
    out.write(f"{SUMS_NAME}: sha256 {digest} (record this to detect any later change)\n")
    if written is not None:
        out.write(f"signed: {clean(written.name)} ({clean(signer)})\n")
    return 0
