"""The cache's storage: atomic entries, checksums, failures that never fail a scan."""

from __future__ import annotations

import json
from pathlib import Path

from engine.cache.keys import FileHashes, digest, module_graph
from engine.cache.store import ResultCache

KEY = "ab" + "0" * 62


def test_an_entry_round_trips_and_counts(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    assert cache.get("rego", KEY) is None
    cache.put("rego", KEY, {"findings": [{"a": 1}], "applicable": {}})
    assert cache.get("rego", KEY) == {"findings": [{"a": 1}], "applicable": {}}
    assert (cache.hits, cache.misses, cache.corrupt) == (1, 1, 0)
    # One file per key, no temporary file left behind.
    assert [p.name for p in (tmp_path / "v1" / "rego" / "ab").iterdir()] == [f"{KEY}.json"]


def test_a_corrupt_entry_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.put("checkov", KEY, {"findings": []})
    entry = tmp_path / "v1" / "checkov" / "ab" / f"{KEY}.json"
    header, _, _ = entry.read_text().partition("\n")
    assert json.loads(header)["key"] == KEY
    forged = json.dumps({"findings": [{"forged": True}]})  # the checksum no longer matches
    entry.write_text(header + "\n" + forged)
    assert cache.get("checkov", KEY) is None
    entry.write_text(entry.read_text()[:20])  # truncated
    assert cache.get("checkov", KEY) is None
    assert cache.corrupt == 2
    cache.put("checkov", KEY, {"findings": []})
    assert cache.get("checkov", KEY) == {"findings": []}


def test_an_entry_under_another_key_is_rejected(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    other = "ab" + "1" * 62
    cache.put("rego", other, {"x": 1})
    source = tmp_path / "v1" / "rego" / "ab" / f"{other}.json"
    (source.parent / f"{KEY}.json").write_bytes(source.read_bytes())
    assert cache.get("rego", KEY) is None


def test_a_cache_that_cannot_be_written_is_counted_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a regular file where the cache folder should be")
    cache = ResultCache(blocker / "cache")
    cache.put("rego", KEY, {"x": 1})
    assert cache.write_failures == 1
    assert cache.get("rego", KEY) is None


def test_digest_is_canonical() -> None:
    assert digest({"b": 1, "a": [1, 2]}) == digest({"a": [1, 2], "b": 1})
    assert digest({"a": [1, 2]}) != digest({"a": [2, 1]})


def test_file_hashes_and_the_local_module_graph(tmp_path: Path) -> None:
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "net").mkdir(parents=True)
    (tmp_path / "envs" / "prod" / "main.tf").write_text(
        'module "app" {\n  source = "../../modules/app"\n}\n'
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n')
    (tmp_path / "modules" / "app" / "main.tf").write_text(
        'module "net" {\n  source = "../net//sub"\n}\n')
    (tmp_path / "modules" / "net" / "main.tf").write_text("")
    graph = module_graph(tmp_path, ["envs/prod", "modules/app"])
    assert graph == {"envs/prod": ["modules/app", "modules/net"],
                     "modules/app": ["modules/net"]}
    hashes = FileHashes(tmp_path)
    listing = hashes.folder("modules/app")
    assert [name for name, _ in listing] == ["modules/app/main.tf"]
    assert hashes.of("missing.tf") == ""


def test_decoded_entries_are_remembered_until_the_file_changes(tmp_path: Path) -> None:
    decoded: list[object] = []

    def decode(payload: object) -> tuple[str, ...]:
        decoded.append(payload)
        assert isinstance(payload, dict)
        return tuple(payload["names"])

    cache = ResultCache(tmp_path)
    assert cache.get_decoded("checkov", KEY, decode) is None  # nothing stored: a miss
    cache.put("checkov", KEY, {"names": ["a", "b"]})
    first = cache.get_decoded("checkov", KEY, decode)
    second = ResultCache(tmp_path).get_decoded("checkov", KEY, decode)  # another scan
    assert first == ("a", "b") and second is first
    assert len(decoded) == 1  # read, verified and decoded once
    # A damaged entry is read again, and its checksum turns it into a miss.
    entry = tmp_path / "v1" / "checkov" / "ab" / f"{KEY}.json"
    header, _, _ = entry.read_text().partition("\n")
    entry.write_text(header + "\n" + json.dumps({"names": ["forged"]}))
    damaged = ResultCache(tmp_path)
    assert damaged.get_decoded("checkov", KEY, decode) is None
    assert (damaged.hits, damaged.misses, damaged.corrupt) == (0, 1, 1)
    # Rewritten whole: read and decoded again.
    cache.put("checkov", KEY, {"names": ["c"]})
    assert cache.get_decoded("checkov", KEY, decode) == ("c",)
    entry.unlink()
    assert cache.get_decoded("checkov", KEY, decode) is None
    # A payload of another layout is the caller's miss, never remembered.
    cache.put("checkov", KEY, {"other": 1})
    assert cache.get_decoded("checkov", KEY, decode) is None
