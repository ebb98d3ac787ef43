"""A symlink blob resolved inside its revision exactly as the kernel resolves it in a checkout
(engine/source/git_repo.py ``_follow_link``): every case, on a hand-built revision."""

from __future__ import annotations

import pytest

from engine.source.git_repo import Entry, _Folders, _follow_link

FILE, LINK, SUBMODULE = 0o100644, 0o120000, 0o160000


def _resolve(links: dict[str, str], files: tuple[str, ...], path: str,
             submodules: tuple[str, ...] = ()) -> tuple[str, str]:
    entries = {name: Entry(FILE, name) for name in files}
    entries.update({name: Entry(SUBMODULE, name) for name in submodules})
    entries.update({name: Entry(LINK, f"link:{name}") for name in links})
    return _follow_link(path, entries, lambda sha: links[sha.removeprefix("link:")],
                        _Folders(entries))


BASE = ("k8s/a.yaml", "shared/x/job.yaml", "top.yaml")


@pytest.mark.parametrize("links,path,expected", [
    ({"k8s/b.yaml": "a.yaml"}, "k8s/b.yaml", ("file", "k8s/a.yaml")),
    ({"k8s/b.yaml": "./../k8s/a.yaml"}, "k8s/b.yaml", ("file", "k8s/a.yaml")),
    ({"k8s/c.yaml": "b.yaml", "k8s/b.yaml": "a.yaml"}, "k8s/c.yaml", ("file", "k8s/a.yaml")),
    ({"k8s/common": "../shared"}, "k8s/common", ("folder", "shared")),
    ({"k8s/up": ".."}, "k8s/up", ("folder", "")),
    # Through a linked folder: ".." is taken from where the link leads, as in a checkout.
    ({"k8s/common": "../shared/x", "k8s/via.yaml": "common/job.yaml"}, "k8s/via.yaml",
     ("file", "shared/x/job.yaml")),
    ({"k8s/common": "../shared/x", "k8s/via.yaml": "common/../../top.yaml"}, "k8s/via.yaml",
     ("file", "top.yaml")),
    ({"k8s/common": "../shared", "k8s/out.yaml": "common/../../etc/passwd"}, "k8s/out.yaml",
     ("outside", "")),
    ({"k8s/abs.yaml": "/etc/passwd"}, "k8s/abs.yaml", ("outside", "")),
    ({"k8s/b.yaml": "c.yaml", "k8s/c.yaml": "/tmp/x"}, "k8s/b.yaml", ("outside", "")),
    ({"k8s/none.yaml": "gone.yaml"}, "k8s/none.yaml", ("missing", "k8s/gone.yaml")),
    ({"k8s/n.yaml": "nowhere/../a.yaml"}, "k8s/n.yaml", ("missing", "")),
    ({"k8s/f.yaml": "a.yaml/x"}, "k8s/f.yaml", ("missing", "")),
    ({"k8s/s": "../vendor/sub"}, "k8s/s", ("folder", "vendor/sub")),
    ({"k8s/l1": "l2", "k8s/l2": "l1"}, "k8s/l1", ("loop", "")),
    ({"k8s/self": "self"}, "k8s/self", ("loop", "")),
])
def test_a_link_resolves_as_in_a_checkout(links: dict[str, str], path: str,
                                          expected: tuple[str, str]) -> None:
    assert _resolve(links, BASE, path, ("vendor/sub",)) == expected


@pytest.mark.parametrize("chain,expected", [(40, "file"), (41, "loop")])
def test_at_most_forty_links_are_followed(chain: int, expected: str) -> None:
    links = {f"l{i}": f"l{i + 1}" for i in range(1, chain)}
    links[f"l{chain}"] = "top.yaml"
    assert _resolve(links, BASE, "l1")[0] == expected
