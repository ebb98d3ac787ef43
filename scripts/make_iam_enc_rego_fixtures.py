"""Regenerate tests/fixtures/rego/iam-enc-{terraform,kubernetes}.json.

The differential test (tests/evaluate/test_rego_differential.py) runs every JSON fixture on
regorus and on real OPA. These two are the IAM and encryption case files
(policies/rego/{iam,encryption}/cases/*.yaml, one module directory per case) and the
violations folders, loaded by the real loaders. Run from the repository root after changing
a case or a violations folder: ``python scripts/make_iam_enc_rego_fixtures.py``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from engine.load.kubernetes import load_manifests
from engine.load.terraform.module import load_module

REPO = Path(__file__).resolve().parent.parent
FAMILIES = ("iam", "encryption")


def _stage(tmp: Path) -> tuple[list[str], list[str]]:
    terraform: list[str] = []
    kubernetes: list[str] = []
    for family in FAMILIES:
        for case_file in sorted((REPO / "policies/rego" / family / "cases").glob("*.yaml")):
            document: Any = yaml.safe_load(case_file.read_text(encoding="utf-8"))
            for n, case in enumerate(document["cases"]):
                base = Path("cases") / case_file.stem / str(n)
                for name, text in case["files"].items():
                    (tmp / base / name).parent.mkdir(parents=True, exist_ok=True)
                    (tmp / base / name).write_text(text, encoding="utf-8")
                    target = kubernetes if name.endswith(".yaml") else terraform
                    target.append((base / name).as_posix())
        source = REPO / "tests/fixtures/e2e/violations" / family
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.name != "expected.yaml":
                rel = Path("violations") / family / path.relative_to(source)
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, tmp / rel)
                (kubernetes if path.suffix == ".yaml" else terraform).append(rel.as_posix())
    return terraform, kubernetes


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        terraform, kubernetes = _stage(tmp)
        modules: dict[str, list[str]] = {}
        for path in terraform:
            modules.setdefault(str(Path(path).parent), []).append(path)
        resources: list[dict[str, Any]] = []
        for module, files in sorted(modules.items()):
            loaded = load_module(tmp, module, files)
            assert not loaded.errors, loaded.errors
            resources += [r.to_input() for r in loaded.resources]
        objects = load_manifests(tmp, sorted(kubernetes))
        assert not objects.errors, objects.errors
    manifests = [r.to_input() for r in objects.resources]
    out = REPO / "tests/fixtures/rego"
    for kind, unit, items in (("terraform", "iam-enc", resources),
                              ("kubernetes", "kubernetes", manifests)):
        document = {"contract_version": 1, "kind": kind, "unit": unit, "resources": items}
        (out / f"iam-enc-{kind}.json").write_text(json.dumps(document, indent=1) + "\n",
                                                   encoding="utf-8")


if __name__ == "__main__":
    main()
