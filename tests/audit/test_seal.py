"""The seal of a report folder (issue 7): SHA256SUMS, ssh/gpg signatures, ``report verify``.

Everything is real: files in tmp_path, GNU ``sha256sum -c`` reading what we write, keys made
by ``ssh-keygen`` and ``gpg`` in tmp_path, the verify command's own parser and output.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.audit.seal import (
    SealError,
    Signer,
    parse_signer,
    sign_sums,
    signer_from,
    verify,
    write_sums,
)
from engine.audit.signature import SignatureError
from engine.cli import report_args, report_seal, report_verify
from tests.conftest import CliRun

ARTIFACTS = {
    "report.json": '{"schema": "report-v1", "findings": []}\n',
    "report.html": "<!doctype html><title>Q3</title><p>compliant</p>\n",
    "report.md": "# Quarterly compliance report\n\nNo findings.\n",
}
NOT_SIGNED = "note: not signed: the sums show the folder is intact, not who sealed it\n"
needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
needs_gpg = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs gpg")
needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None,
                                     reason="needs GNU sha256sum")


def sealed(folder: Path, files: dict[str, str] | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    chosen = ARTIFACTS if files is None else files
    for name, text in chosen.items():
        (folder / name).write_text(text, encoding="utf-8")
    return write_sums(folder, list(chosen))


def verify_cli(*argv: str) -> CliRun:
    parser = argparse.ArgumentParser(prog="gitops-compliance report verify")
    report_args.add_verify_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = report_verify.run(parser.parse_args(list(argv)), out, err)
    return CliRun(code, out.getvalue(), err.getvalue())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- SHA256SUMS ------------------------------------------------------------------------


def test_sums_file_is_gnu_format_sorted_and_its_digest_is_returned(tmp_path: Path) -> None:
    digest = sealed(tmp_path)
    data = (tmp_path / "SHA256SUMS").read_bytes()
    assert data.decode() == (f"{sha(ARTIFACTS['report.html'])}  report.html\n"
                             f"{sha(ARTIFACTS['report.json'])}  report.json\n"
                             f"{sha(ARTIFACTS['report.md'])}  report.md\n")
    assert digest == hashlib.sha256(data).hexdigest()


@needs_sha256sum
def test_gnu_sha256sum_accepts_what_is_written(tmp_path: Path) -> None:
    digest = sealed(tmp_path)
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert (checked.returncode, checked.stdout, checked.stderr) == (
        0, "report.html: OK\nreport.json: OK\nreport.md: OK\n", "")
    own = subprocess.run(["sha256sum", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    assert own.stdout == f"{digest}  SHA256SUMS\n"


@needs_sha256sum
def test_gnu_sha256sum_and_verify_both_catch_one_altered_byte(tmp_path: Path) -> None:
    sealed(tmp_path)
    path = tmp_path / "report.json"
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 1
    assert "report.json: FAILED\n" in checked.stdout


def test_an_intact_folder_verifies(tmp_path: Path) -> None:
    digest = sealed(tmp_path)
    run = verify_cli(str(tmp_path))
    assert (run.code, run.err) == (0, "")
    assert run.out == NOT_SIGNED + f"verified: 3 file(s) match SHA256SUMS (sha256 {digest})\n"


def test_one_altered_byte_is_altered_evidence_naming_the_file(tmp_path: Path) -> None:
    digest = sealed(tmp_path)
    (tmp_path / "report.md").write_text(ARTIFACTS["report.md"].replace("No", "Na"))
    run = verify_cli(str(tmp_path))
    assert run.code == 1
    assert run.out == ("report.md: content differs from SHA256SUMS (altered after sealing)\n"
                       + NOT_SIGNED + "ALTERED: 1 problem(s); this folder is not what was "
                       f"sealed (sha256 of SHA256SUMS: {digest})\n")


def test_a_deleted_file_is_altered_evidence(tmp_path: Path) -> None:
    sealed(tmp_path)
    (tmp_path / "report.html").unlink()
    outcome = verify(tmp_path)
    assert outcome.exit_code == 1
    assert outcome.problems == (
        "report.html: listed in SHA256SUMS but missing (deleted after sealing)",)
    assert outcome.files == 2


def test_a_file_added_after_sealing_is_altered_evidence(tmp_path: Path) -> None:
    sealed(tmp_path)
    (tmp_path / "waiver-approval.pdf").write_bytes(b"%PDF-1.7 forged")
    outcome = verify(tmp_path)
    assert (outcome.exit_code, outcome.problems) == (
        1, ("waiver-approval.pdf: not listed in SHA256SUMS (added after sealing)",))


def test_an_added_file_name_cannot_forge_lines_of_the_output(tmp_path: Path) -> None:
    sealed(tmp_path)
    hostile = "x\nverified: 9 file(s) match\x1b[2J\u202e"
    (tmp_path / hostile).write_text("forged")
    run = verify_cli(str(tmp_path))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == ("x verified: 9 file(s) match\\x1b[2J\\x202e: not listed in SHA256SUMS "
                        "(added after sealing)")
    assert [line for line in lines if line.startswith("verified")] == []


def test_a_link_in_place_of_a_sealed_file_is_not_evidence(tmp_path: Path) -> None:
    sealed(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-copy.json"
    outside.write_text(ARTIFACTS["report.json"])
    (tmp_path / "report.json").unlink()
    (tmp_path / "report.json").symlink_to(outside)
    assert verify(tmp_path).problems == (
        "report.json: not a regular file (a link or a folder is not sealed evidence)",)


@pytest.mark.parametrize(("line", "why"), [
    ("{h} report.md", "malformed (expected '<64 lowercase hex>  <file name>')"),
    ("{H}  report.md", "malformed (expected '<64 lowercase hex>  <file name>')"),
    ("SHA256 (report.md) = {h}", "malformed (expected '<64 lowercase hex>  <file name>')"),
    ("\\{h}  report\\\\md", "malformed (expected '<64 lowercase hex>  <file name>')"),
    ("{h}  report.md\r", "'report.md\\r' cannot be listed: a backslash or control character "
                         "(sha256sum would escape it)"),
    ("{h}  ../report.md", "'../report.md' cannot be listed: a path, not a file name in the "
                          "folder ('/')"),
    ("", "malformed (expected '<64 lowercase hex>  <file name>')"),
    ("{h}  report.html", "'report.html' is already listed on line 1"),
])
def test_a_malformed_sums_line_is_altered_evidence_naming_the_line(
        tmp_path: Path, line: str, why: str) -> None:
    sealed(tmp_path)
    sums = tmp_path / "SHA256SUMS"
    lines = sums.read_text().splitlines()
    h = sha(ARTIFACTS["report.md"])
    lines[2] = line.format(h=h, H=h.upper())
    sums.write_text("\n".join(lines) + "\n", newline="")
    run = verify_cli(str(tmp_path))
    assert run.code == 1
    problems = run.out.splitlines()
    assert f"SHA256SUMS line 3: {why}" in problems
    # report.md is no longer (correctly) listed: it shows as added after sealing.
    assert "report.md: not listed in SHA256SUMS (added after sealing)" in problems


def test_sums_without_a_final_newline_or_not_utf8_are_malformed(tmp_path: Path) -> None:
    sealed(tmp_path)
    sums = tmp_path / "SHA256SUMS"
    sums.write_bytes(sums.read_bytes()[:-1])
    assert verify(tmp_path).problems == ("SHA256SUMS: the last line does not end with a "
                                         "newline",)
    sums.write_bytes(sums.read_bytes() + b"\n" + sha("x").encode() + b"  r\xe9port\n")
    assert verify(tmp_path).problems == ("SHA256SUMS line 4: not UTF-8",)
    sums.write_bytes(b"")
    assert verify(tmp_path).problems[0] == "SHA256SUMS is empty: it lists no file"


@pytest.mark.parametrize(("name", "why"), [
    ("report\n.json", "a backslash or control character (sha256sum would escape it)"),
    ("report\\json", "a backslash or control character (sha256sum would escape it)"),
    ("sub/report.json", "a path, not a file name in the folder ('/')"),
    ("..", "'..' is not a file name"),
    ("SHA256SUMS", "a file of the seal itself"),
])
def test_a_name_sha256sum_would_escape_is_refused_at_write_time(
        tmp_path: Path, name: str, why: str) -> None:
    (tmp_path / "report.json").write_text("{}")
    with pytest.raises(SealError) as raised:
        write_sums(tmp_path, ["report.json", name])
    assert str(raised.value) == f"SHA256SUMS: refusing to list {name!r}: {why}"
    assert not (tmp_path / "SHA256SUMS").exists()


def test_write_refuses_missing_files_links_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "report.json")
    with pytest.raises(SealError, match=r"cannot read .*/report\.md: No such file"):
        write_sums(tmp_path, ["report.json", "report.md"])
    with pytest.raises(SealError, match=r"/link\.json is not a regular file"):
        write_sums(tmp_path, ["link.json"])
    with pytest.raises(SealError, match="a file is named twice"):
        write_sums(tmp_path, ["report.json", "report.json"])
    with pytest.raises(SealError, match="no file to list"):
        write_sums(tmp_path, [])
    assert not (tmp_path / "SHA256SUMS").exists()


def test_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    (tmp_path / "report.json").write_text("{}")
    (tmp_path / "SHA256SUMS").symlink_to("/dev/full")
    with pytest.raises(SealError) as raised:
        write_sums(tmp_path, ["report.json"])
    assert str(raised.value) == (f"cannot write {tmp_path}/SHA256SUMS: No space left on "
                                 "device")


def test_a_folder_under_a_regular_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(SealError, match=r"cannot read .*/file/report\.json: Not a directory"):
        write_sums(tmp_path / "file", ["report.json"])


def test_no_folder_or_no_sums_is_a_usage_error(tmp_path: Path) -> None:
    run = verify_cli(str(tmp_path / "missing"))
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"gitops-compliance: error: report verify: {tmp_path}/missing: no "
                       "such folder\n")
    run = verify_cli(str(tmp_path))
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"gitops-compliance: error: report verify: {tmp_path}: no SHA256SUMS: "
                       "not a sealed report folder\n")


def test_resealing_removes_the_signature_of_the_old_sums(tmp_path: Path) -> None:
    sealed(tmp_path)
    (tmp_path / "SHA256SUMS.sig").write_text("old signature")
    (tmp_path / "SHA256SUMS.asc").write_text("old signature")
    sealed(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "SHA256SUMS", "report.html", "report.json", "report.md"]


def test_unsigned_folder_fails_only_when_a_signature_is_required(tmp_path: Path) -> None:
    sealed(tmp_path)
    run = verify_cli(str(tmp_path), "--require-signature")
    assert run.code == 1
    assert run.out.splitlines()[0] == ("--require-signature: the folder is not signed (no "
                                       "SHA256SUMS.sig or SHA256SUMS.asc)")


# --- the signer ------------------------------------------------------------------------


def test_signer_values(tmp_path: Path) -> None:
    assert parse_signer("gpg:ABCDEF0123456789") == Signer("gpg", "ABCDEF0123456789")
    assert parse_signer(f"ssh:{tmp_path}/key") == Signer("ssh", f"{tmp_path}/key")
    assert parse_signer("ssh:~/.ssh/id_ed25519") == Signer(
        "ssh", str(Path("~/.ssh/id_ed25519").expanduser()))
    for bad, message in [("rsa:key", "expected ssh:PATH_TO_PRIVATE_KEY or gpg:KEY_ID"),
                         ("ssh:", "expected a key after 'ssh:'"),
                         ("gpg:--homedir=/x", "a key id cannot start with '-'"),
                         ("gpg:a\nb", "expected a key after 'gpg:'")]:
        with pytest.raises(SignatureError, match=message):
            parse_signer(bad)


def test_the_flag_wins_over_the_environment_and_none_turns_signing_off() -> None:
    environ = {"GITOPS_COMPLIANCE_SIGN": "gpg:CI-KEY"}
    assert signer_from(None, environ) == Signer("gpg", "CI-KEY")
    assert signer_from("gpg:MINE", environ) == Signer("gpg", "MINE")
    assert signer_from("none", environ) is None
    assert signer_from(None, {"GITOPS_COMPLIANCE_SIGN": "none"}) is None
    assert signer_from(None, {}) is None
    parser = argparse.ArgumentParser()
    report_args.add_sign_argument(parser)
    assert parser.parse_args(["--sign", "ssh:/k"]).sign == "ssh:/k"
    err = io.StringIO()
    assert report_seal.resolve_signer("ssh", {}, err) == (None, 2)
    assert err.getvalue() == ("gitops-compliance: error: --sign 'ssh': expected "
                              "ssh:PATH_TO_PRIVATE_KEY or gpg:KEY_ID\n")


def test_seal_prints_the_digest_to_record(tmp_path: Path) -> None:
    for name, text in ARTIFACTS.items():
        (tmp_path / name).write_text(text)
    out, err = io.StringIO(), io.StringIO()
    assert report_seal.seal(tmp_path, list(ARTIFACTS), None, out, err) == 0
    digest = hashlib.sha256((tmp_path / "SHA256SUMS").read_bytes()).hexdigest()
    assert out.getvalue() == (f"SHA256SUMS: sha256 {digest} (record this to detect any "
                              "later change)\n")
    out, err = io.StringIO(), io.StringIO()
    assert report_seal.seal(tmp_path, ["nope.json"], None, out, err) == 3
    assert err.getvalue().startswith("gitops-compliance: error: SHA256SUMS: cannot read ")


# --- ssh signatures ----------------------------------------------------------------------


@pytest.fixture
def ssh_key(tmp_path: Path) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen")
    key = tmp_path / "keys" / "id_ed25519"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "seal", "-f",
                    str(key)], check=True, stdin=subprocess.DEVNULL)
    return key


def allowed_signers(path: Path, principal: str, public_key: Path) -> Path:
    kind, blob = public_key.read_text().split()[:2]
    path.write_text(f"{principal} {kind} {blob}\n")
    return path


@needs_ssh
def test_ssh_signed_folder_verifies_against_allowed_signers(tmp_path: Path,
                                                           ssh_key: Path) -> None:
    folder = tmp_path / "q3"
    digest = sealed(folder)
    assert sign_sums(folder, parse_signer(f"ssh:{ssh_key}")) == folder / "SHA256SUMS.sig"
    trust = allowed_signers(tmp_path / "allowed_signers", "qa@example.com",
                            ssh_key.with_suffix(".pub"))
    run = verify_cli(str(folder), "--allowed-signers", str(trust), "--require-signature")
    assert (run.code, run.err) == (0, "")
    first, last = run.out.splitlines()
    assert first.startswith("note: SHA256SUMS.sig: good signature by qa@example.com "
                            "(ED25519 key SHA256:")
    assert first.endswith(f"), listed in {trust}")
    assert last == f"verified: 3 file(s) match SHA256SUMS (sha256 {digest})"
    # The auditor's own check, by hand, as docs/report-verify.md shows it.
    with open(folder / "SHA256SUMS", "rb") as data:
        by_hand = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(trust), "-I",
                                  "qa@example.com", "-n", "gitops-compliance-report", "-s",
                                  str(folder / "SHA256SUMS.sig")], stdin=data,
                                 capture_output=True, check=False)
    assert by_hand.returncode == 0


@needs_ssh
def test_ssh_signature_by_a_key_not_in_the_trust_list_fails(tmp_path: Path,
                                                             ssh_key: Path) -> None:
    folder = tmp_path / "q3"
    sealed(folder)
    sign_sums(folder, parse_signer(f"ssh:{ssh_key}"))
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
                   check=True, stdin=subprocess.DEVNULL)
    trust = allowed_signers(tmp_path / "allowed_signers", "qa@example.com",
                            other.with_suffix(".pub"))
    run = verify_cli(str(folder), "--allowed-signers", str(trust))
    assert run.code == 1
    assert run.out.splitlines()[0] == (
        f"SHA256SUMS.sig: not signed by a key listed in {trust}: ssh-keygen exited 255: "
        "No principal matched.")
    assert run.out.splitlines()[-1].startswith("ALTERED: 1 problem(s)")


@needs_ssh
def test_rewritten_sums_break_the_ssh_signature(tmp_path: Path, ssh_key: Path) -> None:
    """The editor changes a report and recomputes SHA256SUMS: the sums match again, the
    signature does not."""
    folder = tmp_path / "q3"
    sealed(folder)
    sign_sums(folder, parse_signer(f"ssh:{ssh_key}"))
    signature = (folder / "SHA256SUMS.sig").read_bytes()
    forged = dict(ARTIFACTS, **{"report.md": "# Quarterly compliance report\n\nAll good.\n"})
    sealed(folder, forged)
    (folder / "SHA256SUMS.sig").write_bytes(signature)
    trust = allowed_signers(tmp_path / "allowed_signers", "qa@example.com",
                            ssh_key.with_suffix(".pub"))
    for extra in ([], ["--allowed-signers", str(trust)]):
        run = verify_cli(str(folder), *extra)
        assert run.code == 1, extra
        assert run.out.splitlines()[0].startswith(
            "SHA256SUMS.sig: the signature does not match SHA256SUMS: ssh-keygen exited 255: ")


@needs_ssh
def test_without_a_trust_list_the_signature_is_intact_but_the_signer_unchecked(
        tmp_path: Path, ssh_key: Path) -> None:
    folder = tmp_path / "q3"
    digest = sealed(folder)
    sign_sums(folder, parse_signer(f"ssh:{ssh_key}"))
    run = verify_cli(str(folder))
    assert run.code == 0
    note, verdict = run.out.splitlines()
    assert note.startswith("note: SHA256SUMS.sig: the signature is intact (ED25519 key "
                           "SHA256:")
    assert note.endswith("but the signer was NOT checked against a trust list; pass "
                         "--allowed-signers FILE to check who signed")
    assert verdict == f"verified: 3 file(s) match SHA256SUMS (sha256 {digest})"
    required = verify_cli(str(folder), "--require-signature")
    assert required.code == 2
    assert "pass --allowed-signers FILE" in required.err
    missing = verify_cli(str(folder), "--allowed-signers", str(tmp_path / "nope"))
    assert missing.code == 2
    assert missing.err == (f"gitops-compliance: error: report verify: --allowed-signers "
                           f"{tmp_path}/nope: no such file\n")


@needs_ssh
def test_an_ssh_signature_from_another_namespace_is_not_a_seal(tmp_path: Path,
                                                              ssh_key: Path) -> None:
    """A signature the same key made for something else (a git commit) cannot be replayed."""
    folder = tmp_path / "q3"
    sealed(folder)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(ssh_key), "-n", "git",
                    str(folder / "SHA256SUMS")], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    outcome = verify(folder)
    assert outcome.exit_code == 1
    assert "namespace does not match" in outcome.problems[0]


@needs_ssh
def test_signing_fails_clearly_without_prompting(tmp_path: Path) -> None:
    folder = tmp_path / "q3"
    sealed(folder)
    with pytest.raises(SealError) as raised:
        sign_sums(folder, parse_signer(f"ssh:{tmp_path}/absent"))
    assert str(raised.value) == f"ssh-keygen: no private key file at {tmp_path}/absent"
    locked = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f",
                    str(locked)], check=True, stdin=subprocess.DEVNULL)
    with pytest.raises(SealError) as raised:
        sign_sums(folder, parse_signer(f"ssh:{locked}"))
    assert str(raised.value).startswith(f"cannot sign SHA256SUMS with ssh:{locked}: "
                                        "ssh-keygen exited 255: ")
    assert "passphrase" in str(raised.value)
    assert "PRIVATE KEY" not in str(raised.value)
    assert not (folder / "SHA256SUMS.sig").exists()


def test_a_full_disk_when_writing_the_signature_is_a_clear_error(tmp_path: Path,
                                                                ssh_key: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    sealed(tmp_path / "q3")
    (tmp_path / "q3" / "SHA256SUMS.sig").symlink_to("/dev/full")
    with pytest.raises(SealError) as raised:
        sign_sums(tmp_path / "q3", parse_signer(f"ssh:{ssh_key}"))
    assert str(raised.value) == (f"cannot write {tmp_path}/q3/SHA256SUMS.sig: No space left "
                                 "on device")


# --- gpg signatures ----------------------------------------------------------------------


@pytest.fixture
def gnupg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throw-away keyring with one passphrase-less signing key; its agent is stopped
    afterwards (it is the one this test started)."""
    if shutil.which("gpg") is None:
        pytest.skip("needs gpg")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "Test <t@example.com>", "ed25519", "sign", "never"],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    yield home
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], check=False, capture_output=True,
                   env={**os.environ, "GNUPGHOME": str(home)})


@needs_gpg
def test_gpg_signed_folder_verifies_and_tampering_fails(tmp_path: Path, gnupg: Path) -> None:
    folder = tmp_path / "q3"
    digest = sealed(folder)
    written = sign_sums(folder, parse_signer("gpg:t@example.com"))
    assert written == folder / "SHA256SUMS.asc"
    assert written.read_text().startswith("-----BEGIN PGP SIGNATURE-----\n")
    run = verify_cli(str(folder), "--require-signature")
    assert (run.code, run.err) == (0, "")
    note, verdict = run.out.splitlines()
    assert note.startswith("note: SHA256SUMS.asc: good signature by ")
    assert note.endswith(", a trusted key")
    assert verdict == f"verified: 3 file(s) match SHA256SUMS (sha256 {digest})"

    sums = folder / "SHA256SUMS"
    sums.write_text(sums.read_text().replace("report.md", "report.md ", 1))
    run = verify_cli(str(folder))
    assert run.code == 1
    assert ("SHA256SUMS.asc: the signature does not match SHA256SUMS: gpg exited 1: "
            in run.out)


@needs_gpg
def test_gpg_signature_from_an_unknown_key_cannot_be_checked(
        tmp_path: Path, gnupg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "q3"
    sealed(folder)
    sign_sums(folder, parse_signer("gpg:t@example.com"))
    empty = tmp_path / "auditor-gnupg"
    empty.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(empty))
    outcome = verify(folder)
    assert outcome.exit_code == 1
    assert outcome.problems == ("SHA256SUMS.asc: cannot be checked: the signer's public key "
                                "is not in the keyring (import it, or set GNUPGHOME)",)


@needs_gpg
def test_gpg_signing_with_an_unknown_key_names_gpg(tmp_path: Path, gnupg: Path) -> None:
    folder = tmp_path / "q3"
    sealed(folder)
    with pytest.raises(SealError) as raised:
        sign_sums(folder, parse_signer("gpg:nobody@example.com"))
    assert str(raised.value).startswith("cannot sign SHA256SUMS with gpg:nobody@example.com: "
                                        "gpg exited 2: ")
    assert not (folder / "SHA256SUMS.asc").exists()
