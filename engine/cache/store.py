"""On-disk cache entries: one JSON file per key, written atomically, verified on read.

Concurrent scans share a cache without locks: an entry is written to a private temporary
file in the entry's folder and renamed over the final name (``os.replace`` is atomic on one
file system), so a reader sees either no entry or a whole one. Two scans that compute the same
key write the same content; the last rename wins and nothing is lost. Every entry carries a
SHA-256 of its payload: a truncated, edited or otherwise corrupt entry is a miss (and is
rewritten by the run that recomputes it), never a wrong result. Any I/O problem (full disk,
read-only folder) turns the cache off for that entry — the scan itself never fails because
of the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CACHE_DIR_ENV = "GITOPS_COMPLIANCE_CACHE_DIR"
FORMAT = 1  # bump when the entry layout or what a key covers changes

# Decoded entries, per process: (folder, namespace, key) -> (file identity, value). A long-
# lived process (the quarterly report scans a hundred commits) reads the same entries again
# and again; see ResultCache.get_decoded.
_DECODED: dict[tuple[str, str, str], tuple[tuple[int, int, int], Any]] = {}
_DECODED_LIMIT = 200_000


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / f"v{FORMAT}"
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self.write_failures = 0
        self.write_error = ""  # why the first failed write failed ("Not a directory")

    def _path(self, namespace: str, key: str) -> Path:
        return self.directory / namespace / key[:2] / f"{key}.json"

    def get(self, namespace: str, key: str) -> Any | None:
        path = self._path(namespace, key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        # Line 1: {"key", "checksum"}; the rest: the payload, checksummed as bytes (hashing
        # the text read is cheaper than re-serializing what was parsed).
        head, _, body = raw.partition(b"\n")
        payload: Any = None
        try:
            header = json.loads(head)
            ok = (header.get("key") == key
                  and header.get("checksum") == hashlib.sha256(body).hexdigest())
            if ok:
                payload = json.loads(body)
        except (ValueError, TypeError, AttributeError, RecursionError):
            # Garbage, a header that is not an object, bytes that are not UTF-8, nesting
            # deep enough to exhaust the parser: all the same corrupt entry.
            ok = False
        if not ok:
            self.corrupt += 1
            self.misses += 1
            return None
        self.hits += 1
        return payload

    def get_decoded(self, namespace: str, key: str, decode: Callable[[Any], T]) -> T | None:
        """``decode(get(...))``, remembered for this process. Only for decoders that build
        immutable values (the value is shared by every later reader). The entry is read and
        its checksum verified the first time; later reads only check that the file is still
        the one that was verified (inode, size, modification time): a rewritten or damaged
        entry is read and verified again. A payload ``decode`` rejects (KeyError, TypeError,
        ValueError: another layout) is a miss for the caller, as before."""
        path = self._path(namespace, key)
        memo = (str(self.directory), namespace, key)
        try:
            stat = path.stat()
        except OSError:
            _DECODED.pop(memo, None)
            self.misses += 1
            return None
        identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _DECODED.get(memo)
        if known is not None and known[0] == identity:
            self.hits += 1
            value: T = known[1]
            return value
        payload = self.get(namespace, key)
        if payload is None:
            return None
        try:
            value = decode(payload)
        except (KeyError, TypeError, ValueError):
            return None
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        _DECODED[memo] = (identity, value)
        return value

    def put(self, namespace: str, key: str, payload: Any) -> None:
        path = self._path(namespace, key)
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
        header = json.dumps({"key": key, "checksum": hashlib.sha256(body).hexdigest()})
        data = header.encode("utf-8") + b"\n" + body
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json",
                                                 dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            self.write_failures += 1
            if not self.write_error:
                self.write_error = exc.strerror or type(exc).__name__


def default_cache_dir(root: Path, in_git: bool) -> Path:
    """``$GITOPS_COMPLIANCE_CACHE_DIR`` when set (a CI cache folder); else
    ``<git common dir>/gitops-compliance/cache`` in a repository (shared by its worktrees,
    never committed, removed with the clone); else the user cache folder."""
    override = os.environ.get(CACHE_DIR_ENV, "").strip()
    if override:
        return Path(override)
    if in_git:
        try:
            done = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=root,
                                  capture_output=True, text=True, check=False,
                                  env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
        except OSError:
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            common = Path(done.stdout.strip())
            if not common.is_absolute():
                common = root / common
            return common / "gitops-compliance" / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gitops-compliance", appauthor=False)) / "results"
