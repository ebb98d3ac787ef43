"""Every module directory of two real public modules loads: no error, no exception.

Reads ../shared/corpus (input data, never copied into the project); skips without it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from engine.load.terraform import load_module

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


@pytest.mark.parametrize("name", ["terraform-aws-s3-bucket", "terraform-aws-eks"])
def test_corpus_modules_load_cleanly(name: str) -> None:
    root = CORPUS / name
    if not root.is_dir():
        pytest.skip(f"{root} is absent (the shared corpus is not shipped)")
    modules: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.tf")):
        if ".terraform" not in path.parts:
            modules[path.parent.relative_to(root).as_posix()].append(
                path.relative_to(root).as_posix())
    resources = 0
    for module_dir, files in modules.items():
        result = load_module(root, module_dir, files)
        assert result.errors == (), module_dir
        resources += len(result.resources)
        for resource in result.resources:
            assert resource.file in files and resource.line > 0
    assert resources > 100
