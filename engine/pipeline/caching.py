"""The result cache of one scan, and the counters its report shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.pipeline.request import ScanRequest

if TYPE_CHECKING:
    from engine.cache.store import ResultCache


def open_cache(request: ScanRequest) -> ResultCache | None:
    if request.cache_dir is None:
        return None
    from engine.cache.store import ResultCache

    return ResultCache(request.cache_dir)


def cache_stats(cache: ResultCache | None) -> dict[str, int]:
    if cache is None:
        return {}
    return {"hits": cache.hits, "misses": cache.misses, "corrupt": cache.corrupt,
            "write_failures": cache.write_failures}


def cache_notes(cache: ResultCache | None) -> list[str]:
    """A note when results could not be stored: the scan is complete and correct, only the
    next one will not be faster (a full disk, a cache folder under a regular file)."""
    if cache is None or not cache.write_failures:
        return []
    return [f"the result cache at {cache.directory.parent} could not be written "
            f"({cache.write_error}); {cache.write_failures} result(s) were computed but not "
            "cached"]
