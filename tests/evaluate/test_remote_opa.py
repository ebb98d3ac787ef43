"""The remote OPA engine (``--opa-url``), end to end through the CLI.

No OPA server or binary can run on these machines, so most tests talk to
``tests/evaluate/opa_double.py``: a TEST DOUBLE implementing only the REST endpoints the
client uses, which evaluates with real OPA's Go engine. It proves request shapes, the auth
header, timeouts, retries, error paths and parity with the embedded engine. A test against a
real OPA server runs when ``OPA_URL`` is set or ``opa`` is on PATH, and skips otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import PolicySet, load_policy_set
from engine.resources import policies_dir
from tests.conftest import run_cli
from tests.evaluate.opa_double import OpaDouble, serve

REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
TOKEN = "s3cr3t-token-value"


def _bundle(double: OpaDouble, policy_set: PolicySet = POLICY_SET) -> OpaDouble:
    """The server as a bundle would leave it: the library's modules and data files."""
    for name, text in policy_set.modules:
        if not name.startswith("<gitops-compliance>"):
            double.modules[f"bundle/{name}"] = text
    double.data.update(json.loads(json.dumps(policy_set.data)))
    return double


@pytest.fixture
def opa() -> Iterator[OpaDouble]:
    with serve(OpaDouble(bundles={"gxp-policies": "2026.11.3"})) as double:
        yield _bundle(double)


@pytest.fixture
def repo(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory("e2e/noncompliant")


def _findings(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["policy_id"], f["resource"], f["file"], f["line"], f["message"], f["severity"])
            for f in document["findings"] if f["engine"] == "rego"]


def _scan(repo: Path, *extra: str) -> Any:
    return run_cli("scan", str(repo), "--no-checkov", "-o", "json", *extra)


def test_query_mode_matches_the_embedded_engine_and_records_the_bundle(
        repo: Path, opa: OpaDouble) -> None:
    embedded = _scan(repo)
    remote = _scan(repo, "--opa-url", opa.url)
    assert remote.code == embedded.code == 1, remote.err
    assert _findings(remote.json()) == _findings(embedded.json())
    fired = {f[:2] for f in _findings(remote.json())}
    assert ("ENC-05", "Secret/ml-training/registry-credentials") in fired
    engine = remote.json()["scan"]["rego_engine"]
    assert engine == {"name": "opa", "url": opa.url, "mode": "query",
                      "bundles": {"gxp-policies": "2026.11.3"}}
    assert embedded.json()["scan"]["rego_engine"] == {"name": "regorus"}
    # one round trip per unit, and nothing written to the shared server
    queries = [r for r in opa.requests if r.path == "/v1/query"]
    units = [u for u in remote.json()["scan"]["units"]]
    assert len(queries) == len(units)
    assert not [r for r in opa.requests if r.method in ("PUT", "DELETE")]
    sent = json.loads(queries[0].body)
    assert "with input as input.unit" in sent["query"]
    assert sent["input"]["unit"]["contract_version"] == 1
    assert set(sent["input"]) == {"unit", "inventory", "params"}


def test_push_mode_uploads_under_a_digest_namespace_and_cleans_up(repo: Path) -> None:
    with serve(OpaDouble()) as empty:
        embedded = _scan(repo)
        remote = _scan(repo, "--opa-url", empty.url, "--opa-mode", "push")
        assert remote.code == 1, remote.err
        assert _findings(remote.json()) == _findings(embedded.json())
        puts = [r.path for r in empty.requests if r.method == "PUT"]
        namespace = f"gitops_compliance_push.b{remote.json()['scan']['policy_digest'][:16]}"
        assert puts[0] == "/v1/data/" + namespace.replace(".", "/")
        assert all(p.startswith(f"/v1/policies/{namespace}%2F") for p in puts[1:])
        assert len(puts) - 1 == len(POLICY_SET.modules)
        # uploads are never rewritten by the client: one PUT per module
        assert len(set(puts)) == len(puts)
        posts = [r for r in empty.requests if r.method == "POST"]
        assert len(posts) == len(remote.json()["scan"]["units"])
        assert empty.modules == {} and empty.data == {"gitops_compliance_push": {}}


def test_bearer_token_from_the_named_variable_and_never_printed(
        repo: Path, opa: OpaDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    opa.token = TOKEN
    (repo / ".gitops-compliance.yaml").write_text(
        f"opa:\n  url: {opa.url}\n  token_env: OPA_TEST_TOKEN\n", encoding="utf-8")
    monkeypatch.delenv("OPA_TEST_TOKEN", raising=False)
    missing = _scan(repo)
    assert missing.code == 2
    assert "OPA_TEST_TOKEN is not set" in missing.json()["errors"][0]["message"]

    monkeypatch.setenv("OPA_TEST_TOKEN", TOKEN)
    ok = _scan(repo)
    assert ok.code == 1 and _findings(ok.json()), ok.err
    assert {r.headers.get("Authorization") for r in opa.requests[-3:]} == {f"Bearer {TOKEN}"}
    assert TOKEN not in ok.out + ok.err

    monkeypatch.setenv("OPA_TEST_TOKEN", "wrong")
    rejected = _scan(repo)
    assert rejected.code == 3
    message = rejected.json()["errors"][0]["message"]
    assert "HTTP 401" in message and "no Rego policy ran" in message
    assert "wrong" not in rejected.out


def test_unreachable_server_is_incomplete_never_a_pass(repo: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (repo / ".gitops-compliance.yaml").write_text(
        f"opa:\n  url: http://127.0.0.1:{port}\n  retries: 1\n", encoding="utf-8")
    result = _scan(repo)
    assert result.code == 3
    document = result.json()
    assert document["verdict"] == "incomplete"
    assert [f for f in document["findings"] if f["engine"] == "rego"] == []
    assert f"OPA server http://127.0.0.1:{port} unreachable" in document["errors"][0]["message"]


def test_connection_drops_are_retried_with_backoff(repo: Path, opa: OpaDouble) -> None:
    opa.drop_next = 2
    result = _scan(repo, "--opa-url", opa.url)
    assert result.code == 1, result.json()["errors"]
    health = [r for r in opa.requests if r.path == "/health"]
    assert len(health) == 3  # two dropped, the third answered


def test_busy_server_503_is_retried(repo: Path, opa: OpaDouble) -> None:
    opa.status_next = [503]
    assert _scan(repo, "--opa-url", opa.url).code == 1


def test_timeout_is_an_incomplete_scan(repo: Path, opa: OpaDouble) -> None:
    opa.delay = 0.5
    (repo / ".gitops-compliance.yaml").write_text(
        f"opa:\n  url: {opa.url}\n  timeout: 0.2\n  retries: 0\n", encoding="utf-8")
    result = _scan(repo)
    assert result.code == 3
    assert "no answer from" in result.json()["errors"][0]["message"]
    assert "within 0.2 s" in result.json()["errors"][0]["message"]


def test_a_policy_missing_on_the_server_is_named(repo: Path, opa: OpaDouble) -> None:
    gone = next(k for k, v in opa.modules.items() if "package gitops_compliance.gpu.gpu01" in v)
    del opa.modules[gone]
    result = _scan(repo, "--opa-url", opa.url)
    assert result.code == 3
    message = result.json()["errors"][0]["message"]
    assert "not on the OPA server: gitops_compliance.gpu.gpu01" in message
    assert "no Rego policy ran" in message


def test_url_path_prefix(repo: Path) -> None:
    with serve(_bundle(OpaDouble(prefix="/opa"))) as double:
        assert double.url.endswith("/opa")
        result = _scan(repo, "--opa-url", double.url)
        assert result.code == 1, result.json()["errors"]
        assert all(r.path.startswith("/opa/") for r in double.requests)


def test_rejected_upload_is_reported_and_never_rewritten(
        repo: Path, tmp_path: Path) -> None:
    # regorus accepts a rule named like a built-in namespace; OPA rejects it. The client
    # must not "upgrade" the policy and retry: the scan reports OPA's message instead.
    custom = tmp_path / "policies"
    custom.mkdir()
    (custom / "shadow.rego").write_text(
        "# METADATA\n# title: Shadows a built-in\n# scope: package\n# custom:\n"
        "#   id: ACME-01\n#   severity: low\npackage acme.shadow\n\n"
        "object := {\"a\": 1}\n\ndeny contains \"never\" if object.union({}, {}) == 1\n",
        encoding="utf-8")
    with serve(OpaDouble()) as empty:
        result = _scan(repo, "--opa-url", empty.url, "--opa-mode", "push",
                       "--policies", str(custom))
        assert result.code == 3, result.out
        message = result.json()["errors"][0]["message"]
        assert "acme" in message and "HTTP 400" in message
        shadow_puts = [r for r in empty.requests
                       if r.method == "PUT" and "shadow.rego" in r.path]
        assert len(shadow_puts) == 1
        assert empty.modules == {}  # what was uploaded before the rejection is removed


def test_bad_url_is_a_usage_error(repo: Path) -> None:
    result = run_cli("scan", str(repo), "--opa-url", "ftp://opa", "--no-checkov")
    assert result.code == 2 and "not an http:// or https:// URL" in result.err
    result = run_cli("scan", str(repo), "--opa-url", "https://user:pw@opa.example.com")
    assert result.code == 2 and "credentials do not belong in the URL" in result.err


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_tls_is_verified_and_a_ca_bundle_can_be_given(
        repo: Path, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(_bundle(OpaDouble()), tls=context) as double:
        untrusted = _scan(repo, "--opa-url", double.url)
        assert untrusted.code == 3
        assert "TLS verification" in untrusted.json()["errors"][0]["message"]
        shutil.copy(cert, repo / "opa-ca.pem")
        (repo / ".gitops-compliance.yaml").write_text(
            f"opa:\n  url: {double.url}\n  ca_bundle: opa-ca.pem\n", encoding="utf-8")
        trusted = _scan(repo)
        assert trusted.code == 1, trusted.json()["errors"]


def test_parity_with_a_real_opa_server(repo: Path) -> None:
    """Against a real OPA (``OPA_URL`` set, or ``opa`` on PATH, started here)."""
    url = os.environ.get("OPA_URL")
    if not url and shutil.which("opa") is None:
        pytest.skip("no real OPA server: set OPA_URL or put the opa binary on PATH "
                    "(none can be installed on these machines)")
    process = None
    if not url:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(["opa", "run", "--server", "--addr", f"127.0.0.1:{port}"])
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(url)
    try:
        embedded = _scan(repo)
        remote = _scan(repo, "--opa-url", url, "--opa-mode", "push")
        assert remote.code == embedded.code
        assert _findings(remote.json()) == _findings(embedded.json())
    finally:
        if process is not None:
            process.terminate()


def _wait_for_health(url: str, attempts: int = 100) -> None:
    import time
    import urllib.request

    for _ in range(attempts):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"OPA at {url} did not become healthy")


VIOLATIONS = sorted(p for p in (Path(__file__).parent.parent / "fixtures" / "e2e" /
                                "violations").iterdir() if (p / "expected.yaml").is_file())


@pytest.mark.parametrize("folder", VIOLATIONS, ids=lambda p: p.name)
def test_the_whole_library_gives_the_same_findings_remotely(
        folder: Path, tmp_path: Path, opa: OpaDouble) -> None:
    """Parity across the loaded library: every policy fires in the violations fixture, and
    the remote engine must report exactly what the embedded one does."""
    from tests.conftest import make_repo

    repo = tmp_path / folder.name
    shutil.copytree(folder, repo, ignore=shutil.ignore_patterns("expected.yaml"))
    make_repo(repo)
    embedded = _scan(repo, "--no-cache")
    remote = _scan(repo, "--no-cache", "--opa-url", opa.url)
    assert embedded.code == remote.code == 1, remote.json()["errors"]
    assert _findings(remote.json()) == _findings(embedded.json())
    assert _findings(embedded.json())  # the folder does fire
