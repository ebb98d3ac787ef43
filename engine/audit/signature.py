"""Offline signatures over SHA256SUMS: OpenSSH (``ssh-keygen -Y``) or GnuPG.

Signing SHA256SUMS signs every artifact it lists. Both tools run with a list argv (no
shell), a timeout, no terminal (a new session: a key that needs a passphrase fails instead
of waiting for one nobody will type) and never the network (GnuPG: no dirmngr, no key
retrieval). Errors name the tool and quote its stderr, which names files, never keys.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from engine.audit.sums import GPG_SIGNATURE_NAME, SSH_SIGNATURE_NAME, SUMS_NAME

SIGN_ENV = "GITOPS_COMPLIANCE_SIGN"
# The ssh signature namespace: a signature made for a git commit or a file elsewhere
# cannot be replayed as a report seal, and the other way round.
NAMESPACE = "gitops-compliance-report"
SIGN_TIMEOUT = 120.0  # a hardware key waits for a touch
VERIFY_TIMEOUT = 60.0
_STDERR_SHOWN = 2000
# gpg options that keep it off the network whatever gpg.conf says.
_GPG_OFFLINE = ("--batch", "--no-tty", "--disable-dirmngr", "--no-auto-key-retrieve")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SignatureError(Exception):
    """A signer could not be parsed or a tool failed; the message names the tool."""


@dataclass(frozen=True)
class Signer:
    """Who signs SHA256SUMS: ``ssh`` with a private key file, or ``gpg`` with a key id."""

    kind: Literal["ssh", "gpg"]
    key: str  # ssh: an absolute path to the private key; gpg: a key id, fingerprint or uid

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


def parse_signer(value: str) -> Signer:
    """``ssh:PATH_TO_PRIVATE_KEY`` or ``gpg:KEY_ID`` (the ``--sign`` value)."""
    kind, sep, key = value.partition(":")
    if not sep or kind not in ("ssh", "gpg"):
        raise SignatureError(f"--sign {value!r}: expected ssh:PATH_TO_PRIVATE_KEY or "
                             "gpg:KEY_ID")
    if not key.strip() or _CONTROL.search(key):
        raise SignatureError(f"--sign {kind}: expected a key after '{kind}:'")
    if kind == "ssh":
        # Absolute, so it can never read as an option of ssh-keygen.
        return Signer("ssh", str(Path(key).expanduser().absolute()))
    if key.startswith("-"):
        raise SignatureError(f"--sign gpg:{key}: a key id cannot start with '-'")
    return Signer("gpg", key)


def signer_from(value: str | None, environ: Mapping[str, str]) -> Signer | None:
    """The signer a run uses: the flag, else ``GITOPS_COMPLIANCE_SIGN``, else none.
    ``none`` (either place) turns signing off, so one run can opt out of a CI default."""
    chosen = value if value is not None else environ.get(SIGN_ENV, "").strip()
    if not chosen or chosen == "none":
        return None
    return parse_signer(chosen)


def sign(sums: Path, signer: Signer) -> tuple[str, str]:
    """Sign the file ``sums``: (signature file name, signature text). The caller writes it,
    atomically, next to SHA256SUMS: an existing signature is never half-overwritten.

    ssh-keygen signs a copy in a private folder, with standard input closed: given the data
    on standard input it would read a key's passphrase from there (and sign the rest), and
    given the file in place it would ask whether to overwrite an existing signature.
    """
    if signer.kind == "ssh":
        if not Path(signer.key).is_file():
            raise SignatureError(f"ssh-keygen: no private key file at {signer.key}")
        with tempfile.TemporaryDirectory(prefix="gitops-compliance-sign.") as private:
            copy = Path(private) / SUMS_NAME
            copy.write_bytes(sums.read_bytes())
            done = run_tool(["ssh-keygen", "-Y", "sign", "-f", signer.key, "-n", NAMESPACE,
                             str(copy)], timeout=SIGN_TIMEOUT)
            signed = Path(private) / SSH_SIGNATURE_NAME
            output = signed.read_bytes() if done.returncode == 0 and signed.is_file() else b""
        name = SSH_SIGNATURE_NAME
    else:
        done = run_tool(["gpg", *_GPG_OFFLINE, "--yes", "--local-user", signer.key, "--armor",
                         "--detach-sign", "--output", "-", "--", str(sums)],
                        timeout=SIGN_TIMEOUT)
        output = done.stdout
        name = GPG_SIGNATURE_NAME
    if done.returncode != 0 or not output:
        raise SignatureError(failure(done, f"cannot sign {SUMS_NAME} with {signer}"))
    try:
        return name, output.decode("ascii")
    except UnicodeDecodeError:
        raise SignatureError(f"{done.args[0]}: the signature is not ASCII armour") from None


@dataclass(frozen=True)
class Check:
    """What one signature check found: problems fail verification, notes inform."""

    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    usage: bool = False  # the check could not be made as asked (exit 2)


def check_ssh(folder: Path, allowed_signers: Path | None) -> Check:
    sums, signature = folder / SUMS_NAME, folder / SSH_SIGNATURE_NAME
    if allowed_signers is None:
        done = _run_with(sums, ["ssh-keygen", "-Y", "check-novalidate", "-n", NAMESPACE,
                                "-s", str(signature)])
        if done.returncode != 0:
            return Check(problems=(failure(done, f"{SSH_SIGNATURE_NAME}: the signature does "
                                                 f"not match {SUMS_NAME}"),))
        return Check(notes=(f"{SSH_SIGNATURE_NAME}: the signature is intact ({_key_of(done)}) "
                            "but the signer was NOT checked against a trust list; pass "
                            "--allowed-signers FILE to check who signed",))
    if not allowed_signers.is_file():
        return Check(problems=(f"--allowed-signers {allowed_signers}: no such file",),
                     usage=True)
    found = run_tool(["ssh-keygen", "-Y", "find-principals", "-s", str(signature),
                      "-f", str(allowed_signers)], timeout=VERIFY_TIMEOUT)
    principals = found.stdout.decode("utf-8", "replace").split()
    if found.returncode != 0 or not principals:
        return Check(problems=(failure(found, f"{SSH_SIGNATURE_NAME}: not signed by a key "
                                              f"listed in {allowed_signers}"),))
    last = found
    for principal in principals:
        last = _run_with(sums, ["ssh-keygen", "-Y", "verify", "-n", NAMESPACE, "-I", principal,
                                "-f", str(allowed_signers), "-s", str(signature)])
        if last.returncode == 0:
            return Check(notes=(f"{SSH_SIGNATURE_NAME}: good signature by {principal} "
                                f"({_key_of(last)}), listed in {allowed_signers}",))
    return Check(problems=(failure(last, f"{SSH_SIGNATURE_NAME}: the signature does not "
                                         f"match {SUMS_NAME}"),))


def check_gpg(folder: Path) -> Check:
    """``gpg --verify`` against the auditor's keyring (``GNUPGHOME``): that keyring is the
    trust list. The status lines, not the human text, decide."""
    done = run_tool(["gpg", *_GPG_OFFLINE, "--status-fd", "1", "--verify", "--",
                     str(folder / GPG_SIGNATURE_NAME), str(folder / SUMS_NAME)],
                    timeout=VERIFY_TIMEOUT)
    status = [line.split(" ")[1:] for line in
              done.stdout.decode("utf-8", "replace").splitlines()
              if line.startswith("[GNUPG:] ")]
    keywords = [fields[0] for fields in status if fields]
    good = [fields for fields in status if fields and fields[0] == "VALIDSIG"]
    if "NO_PUBKEY" in keywords:
        return Check(problems=(f"{GPG_SIGNATURE_NAME}: cannot be checked: the signer's public "
                               "key is not in the keyring (import it, or set GNUPGHOME)",))
    # One detached signature over SHA256SUMS, nothing else: no embedded data (PLAINTEXT)
    # and no second signature riding along.
    if done.returncode != 0 or len(good) != 1 or keywords.count("NEWSIG") > 1 \
            or "PLAINTEXT" in keywords:
        return Check(problems=(failure(done, f"{GPG_SIGNATURE_NAME}: the signature does not "
                                             f"match {SUMS_NAME}"),))
    fingerprint = good[0][1] if len(good[0]) > 1 else "unknown key"
    trusted = any(k in ("TRUST_FULLY", "TRUST_ULTIMATE") for k in keywords)
    trust = "a trusted key" if trusted else \
        "a key in the keyring that is not certified as trusted (gpg --edit-key ... trust)"
    return Check(notes=(f"{GPG_SIGNATURE_NAME}: good signature by {fingerprint}, {trust}",))


def run_tool(argv: Sequence[str], *, timeout: float,
             stdin: int | IO[bytes] = subprocess.DEVNULL) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(list(argv), stdin=stdin, capture_output=True, check=False,
                              timeout=timeout, start_new_session=True,
                              env={**os.environ, "LC_ALL": "C"})
    except FileNotFoundError:
        raise SignatureError(f"{argv[0]}: not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise SignatureError(f"{argv[0]}: no answer within {timeout:.0f} s (waiting for a "
                             "passphrase or a hardware key?)") from None
    except OSError as exc:
        raise SignatureError(f"{argv[0]}: cannot run: {exc.strerror or exc}") from None


def failure(done: subprocess.CompletedProcess[bytes], what: str) -> str:
    """``what`` and the tool's own words (stderr, one line, bounded)."""
    said = " ".join(done.stderr.decode("utf-8", "replace").split())[:_STDERR_SHOWN]
    return f"{what}: {done.args[0]} exited {done.returncode}" + (f": {said}" if said else "")


def _run_with(sums: Path, argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    with open(sums, "rb") as data:
        return run_tool(argv, stdin=data, timeout=VERIFY_TIMEOUT)


def _key_of(done: subprocess.CompletedProcess[bytes]) -> str:
    """The key fingerprint ssh-keygen names in its 'Good ... signature' line."""
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    match = re.search(r"with (\S+) key (SHA256:[A-Za-z0-9+/=]+)", said)
    return f"{match.group(1)} key {match.group(2)}" if match else "key not named"
