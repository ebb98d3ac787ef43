"""Corrupt entries of every kind, and entries written by several processes at once."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cache.store import ResultCache
from tests.conftest import REPO_ROOT

KEY = "cd" + "1" * 62
PAYLOAD = {"findings": [{"policy_id": "GXP-01", "line": 3}], "applicable": ["a"]}


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(data: bytes) -> bytes:
    damaged = bytearray(data)
    damaged[-3] ^= 0x04  # inside the payload: still parses, no longer matches
    return bytes(damaged)


def _wrong_checksum(data: bytes) -> bytes:
    _, _, body = data.partition(b"\n")
    header = json.dumps({"key": KEY, "checksum": hashlib.sha256(b"other").hexdigest()})
    return header.encode() + b"\n" + body


def _forged_payload(data: bytes) -> bytes:  # valid JSON, the old checksum
    header, _, _ = data.partition(b"\n")
    return header + b"\n" + json.dumps({"findings": [], "applicable": []}).encode()


def _garbage_header(data: bytes) -> bytes:
    _, _, body = data.partition(b"\n")
    return b"\xff\xfe\x00garbage" + b"\n" + body


def _header_not_an_object(data: bytes) -> bytes:
    _, _, body = data.partition(b"\n")
    return b'["key", "checksum"]\n' + body


def _deeply_nested_header(data: bytes) -> bytes:
    _, _, body = data.partition(b"\n")
    return b"[" * 200_000 + b"\n" + body


def _empty(data: bytes) -> bytes:
    return b""


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "truncated": _truncated, "flipped-byte": _flipped, "wrong-checksum": _wrong_checksum,
    "forged-payload": _forged_payload, "garbage-header": _garbage_header,
    "header-not-an-object": _header_not_an_object,
    "deeply-nested-header": _deeply_nested_header, "empty": _empty,
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_each_kind_of_corruption_is_counted_a_miss_and_rewritten(
        tmp_path: Path, corrupt: Callable[[bytes], bytes]) -> None:
    cache = ResultCache(tmp_path)
    cache.put("rego", KEY, PAYLOAD)
    entry = tmp_path / "v1" / "rego" / KEY[:2] / f"{KEY}.json"
    entry.write_bytes(corrupt(entry.read_bytes()))
    assert cache.get("rego", KEY) is None
    assert (cache.hits, cache.misses, cache.corrupt) == (0, 1, 1)
    cache.put("rego", KEY, PAYLOAD)  # what the run that recomputes it does
    assert cache.get("rego", KEY) == PAYLOAD
    assert (cache.hits, cache.corrupt) == (1, 1)


_WRITER = """
import sys
from pathlib import Path
from engine.cache.store import ResultCache
cache = ResultCache(Path(sys.argv[1]))
payload = {"findings": [{"n": i} for i in range(300)], "writer": "same for all"}
sys.stdin.readline()  # start together
bad = 0
for _ in range(300):
    cache.put("checkov", sys.argv[2], payload)
    got = cache.get("checkov", sys.argv[2])
    bad += got != payload
print(bad, cache.corrupt, cache.write_failures)
"""


def test_processes_writing_one_entry_at_once_never_see_a_partial_one(tmp_path: Path) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), KEY],
                                cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for _ in range(3)]
    for writer in writers:  # released together once all have started
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=120)[0].split() for writer in writers]
    assert results == [["0", "0", "0"]] * 3
    folder = tmp_path / "v1" / "checkov" / KEY[:2]
    assert [p.name for p in folder.iterdir()] == [f"{KEY}.json"]  # no temporary left
    assert ResultCache(tmp_path).get("checkov", KEY) is not None
