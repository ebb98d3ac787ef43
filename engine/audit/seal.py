"""Tamper evidence for a report folder: write SHA256SUMS, sign it, verify both.

``SHA256SUMS`` lists every artifact with its SHA-256; its own SHA-256 is the one number a
quality system records, since it covers them all. An optional offline signature
(``SHA256SUMS.sig`` from ssh-keygen, ``SHA256SUMS.asc`` from gpg) says who sealed it.

What this proves, and what it does not: the sums and the signature show the folder is what
the signer produced. Someone able to rewrite the report can also rewrite SHA256SUMS, and
sign it too if they hold a key the auditor trusts; only rebuilding the report from Git
(``report verify --recompute``) catches that.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.audit.signature import (
    Check,
    SignatureError,
    Signer,
    check_gpg,
    check_ssh,
    parse_signer,
    sign,
    signer_from,
)
from engine.audit.sums import (
    GPG_SIGNATURE_NAME,
    SEAL_FILES,
    SSH_SIGNATURE_NAME,
    SUMS_NAME,
    SumsError,
    file_digest,
    parse_sums,
    render_sums,
)
from engine.model import EXIT_USAGE
from engine.report.writer import OutputError, write_atomic

__all__ = ["SUMS_NAME", "SealError", "Signer", "VerifyOutcome", "parse_signer", "sign_sums",
           "signer_from", "verify", "write_sums"]

EXIT_ALTERED = 1


class SealError(Exception):
    """The folder could not be sealed or signed; the message names the file or the tool."""


def write_sums(out_dir: Path, names: Sequence[str]) -> str:
    """Write ``out_dir/SHA256SUMS`` over ``names`` (plain file names in ``out_dir``) and
    return the SHA-256 of SHA256SUMS itself.

    Written atomically. A signature of an earlier SHA256SUMS is removed first: it no longer
    signs what is there, and left behind it would make the folder fail verification.
    """
    try:
        text = render_sums(out_dir, names)
        for stale in (SSH_SIGNATURE_NAME, GPG_SIGNATURE_NAME):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out_dir / stale)
        write_atomic(out_dir / SUMS_NAME, text)
    except (SumsError, OutputError) as exc:
        raise SealError(str(exc)) from None
    except OSError as exc:
        raise SealError(f"cannot remove the old signature in {out_dir}: "
                        f"{exc.strerror or exc}") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign_sums(out_dir: Path, signer: Signer) -> Path:
    """Sign ``out_dir/SHA256SUMS``; the signature file written (``.sig`` or ``.asc``)."""
    try:
        name, signature = sign(out_dir / SUMS_NAME, signer)
        write_atomic(out_dir / name, signature)
    except (SignatureError, OutputError) as exc:
        raise SealError(str(exc)) from None
    except OSError as exc:
        raise SealError(f"cannot read {out_dir / SUMS_NAME}: {exc.strerror or exc}") from None
    return out_dir / name


@dataclass(frozen=True)
class VerifyOutcome:
    """The verdict on a folder: ``problems`` fail it, ``notes`` inform.

    ``exit_code`` is 0 (verified), 1 (altered evidence) or 2 (usage: no such folder, not a
    sealed folder, a trust list that does not exist, a signing tool missing). ``files`` is
    the number of listed files that match; ``digest`` the SHA-256 of SHA256SUMS (None when
    it could not be read).
    """

    exit_code: int
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    files: int = 0
    digest: str | None = None


@dataclass
class _Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    usage: bool = False

    def add(self, check: Check) -> None:
        self.problems.extend(check.problems)
        self.notes.extend(check.notes)
        self.usage = self.usage or check.usage


def verify(folder: Path, allowed_signers: Path | None = None, *,
           require_signature: bool = False) -> VerifyOutcome:
    """Check ``folder`` against its SHA256SUMS and, when present, its signature."""
    if not folder.is_dir():
        return VerifyOutcome(EXIT_USAGE, (f"{folder}: no such folder",))
    sums = folder / SUMS_NAME
    try:
        if not stat.S_ISREG(os.lstat(sums).st_mode):
            return VerifyOutcome(EXIT_ALTERED, (f"{SUMS_NAME} is not a regular file",))
        data = sums.read_bytes()
    except FileNotFoundError:
        return VerifyOutcome(EXIT_USAGE, (f"{folder}: no {SUMS_NAME}: not a sealed report "
                                          "folder",))
    except OSError as exc:
        return VerifyOutcome(EXIT_ALTERED, (f"cannot read {SUMS_NAME}: "
                                            f"{exc.strerror or exc}",))
    digest = hashlib.sha256(data).hexdigest()
    found = _Findings()
    parsed = parse_sums(data)
    found.problems.extend(parsed.problems)
    matched = 0
    for entry in parsed.entries:
        problem = _check_file(folder / entry.name, entry.name, entry.digest)
        if problem is None:
            matched += 1
        else:
            found.problems.append(problem)
    listed = {entry.name for entry in parsed.entries}
    try:
        present = sorted(os.listdir(folder))
    except OSError as exc:
        found.problems.append(f"cannot list {folder}: {exc.strerror or exc}")
        present = []
    for name in present:
        if name not in listed and name not in SEAL_FILES:
            found.problems.append(f"{name}: not listed in {SUMS_NAME} (added after sealing)")
    _check_signatures(folder, allowed_signers, require_signature, found)
    code = EXIT_USAGE if found.usage else EXIT_ALTERED if found.problems else 0
    return VerifyOutcome(code, tuple(found.problems), tuple(found.notes), matched, digest)


def _check_file(path: Path, name: str, expected: str) -> str | None:
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            return f"{name}: not a regular file (a link or a folder is not sealed evidence)"
        actual = file_digest(path)
    except FileNotFoundError:
        return f"{name}: listed in {SUMS_NAME} but missing (deleted after sealing)"
    except OSError as exc:
        return f"{name}: cannot read: {exc.strerror or exc}"
    if actual != expected:
        return f"{name}: content differs from {SUMS_NAME} (altered after sealing)"
    return None


def _check_signatures(folder: Path, allowed_signers: Path | None, require: bool,
                      found: _Findings) -> None:
    has_ssh = (folder / SSH_SIGNATURE_NAME).exists()
    has_gpg = (folder / GPG_SIGNATURE_NAME).exists()
    try:
        if has_ssh:
            found.add(check_ssh(folder, allowed_signers))
        elif allowed_signers is not None:
            found.notes.append(f"--allowed-signers: there is no {SSH_SIGNATURE_NAME} to check")
        if has_gpg:
            found.add(check_gpg(folder))
    except SignatureError as exc:
        # The tool is missing or hung: the signature could not be checked as asked.
        found.problems.append(str(exc))
        found.usage = True
        return
    if has_ssh and require and allowed_signers is None:
        found.problems.append(f"--require-signature: {SSH_SIGNATURE_NAME} can only count as "
                              "a signature when its signer is checked: pass --allowed-signers "
                              "FILE")
        found.usage = True
    if not has_ssh and not has_gpg:
        if require:
            found.problems.append(f"--require-signature: the folder is not signed (no "
                                  f"{SSH_SIGNATURE_NAME} or {GPG_SIGNATURE_NAME})")
        else:
            found.notes.append("not signed: the sums show the folder is intact, not who "
                               "sealed it")
