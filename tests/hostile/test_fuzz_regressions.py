"""Crashes the pipeline fuzz test (test_fuzz_pipeline.py) found, one test each."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.hostile.fuzz_seeds import LIST_JSON
from tests.hostile.seeds import BUCKET, JOB
from tests.hostile.test_fuzz_pipeline import scan_tree

pytestmark = pytest.mark.slow

HUGE = "1" * 400  # past the double range: no policy engine can hold it


@pytest.mark.parametrize("name,text,line,address", [
    ("k8s/huge.yaml", JOB.replace("nvidia.com/gpu: 2", f"nvidia.com/gpu: {HUGE}"), 1,
     "Job/ml/train"),
    ("k8s/huge.json", LIST_JSON.replace('"nvidia.com/gpu": 1', f'"nvidia.com/gpu": {HUGE}'), 5,
     "Pod/ml/p"),
    ("infra/huge.tf", f'resource "aws_s3_bucket" "huge" {{\n  bucket = {HUGE}\n}}\n', 1,
     "aws_s3_bucket.huge"),
])
def test_a_number_no_engine_can_hold_costs_one_resource_not_the_scan(
        name: str, text: str, line: int, address: str) -> None:
    # Found by the fuzzer: a 400-digit integer made regorus reject the whole inventory
    # ("object cannot be converted"), and no Rego policy ran for any unit (engine-error).
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for path, content in {"other/job.yaml": JOB.replace("name: train", "name: ok"),
                              "other/main.tf": BUCKET, name: text}.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(content)
        code, document, _ = scan_tree(root, checkov=False)
    assert code == 3
    assert [(e["code"], e["file"], e["line"]) for e in document["errors"]] == [
        ("invalid-value", name, line)]
    assert document["errors"][0]["message"].startswith(
        f"{address}: a number of 400 digits, beyond what the policy engines can represent")
    failed = {(f["policy_id"], f["resource"]) for f in document["findings"]
              if f["status"] == "failed"}
    assert ("GPU-01", "Job/ml/ok") in failed and ("GXP-01", "aws_s3_bucket.logs") in failed
    assert not any(f["resource"] == address for f in document["findings"])
