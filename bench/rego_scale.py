#!/usr/bin/env python3
"""How the Rego policies that join resources scale with the size of one unit.

Builds synthetic Terraform units — N aws_iam_policy resources, each reading its document
from an aws_iam_policy_document data source, and N S3 buckets, each with a provider-v4
aws_s3_bucket_server_side_encryption_configuration — and times every built-in policy on
them with the embedded engine (regorus). A policy that scans the unit once per resource
shows up here as time growing with N squared.

    python bench/rego_scale.py 100 200 400
"""

from __future__ import annotations

import sys
import time
from typing import Any

from engine.evaluate.rego import load_policy_set
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir


def _resource(address: str, type_: str, name: str, mode: str, config: dict[str, Any],
              **extra: Any) -> dict[str, Any]:
    return {"address": address, "kind": "terraform", "type": type_, "name": name,
            "file": "main.tf", "line": 1, "mode": mode, "module": "", "config": config,
            **extra}


def unit(n: int) -> dict[str, Any]:
    statements = [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"],
                   "Resource": ["arn:aws:s3:::bucket/*"]}]
    tags = {"gxp-classification": "gxp-critical", "system-owner": "o",
            "validation-status": "validated", "data-classification": "restricted",
            "cost-center": "c"}
    resources: list[dict[str, Any]] = []
    for i in range(n):
        resources += [
            _resource(f"data.aws_iam_policy_document.d{i}", "aws_iam_policy_document", f"d{i}",
                      "data", {}, iam_policies=[{"attribute": "json", "statements": statements}]),
            _resource(f"aws_iam_policy.p{i}", "aws_iam_policy", f"p{i}", "managed",
                      {"policy": {"$unknown": f"data.aws_iam_policy_document.d{i}.json"}},
                      iam_policies=[{"attribute": "policy", "statements": statements}],
                      tags=tags),
            _resource(f"aws_s3_bucket.b{i}", "aws_s3_bucket", f"b{i}", "managed",
                      {"bucket": f"bucket-{i}"}, tags=tags),
            _resource(f"aws_s3_bucket_server_side_encryption_configuration.b{i}",
                      "aws_s3_bucket_server_side_encryption_configuration", f"b{i}", "managed",
                      {"bucket": {"$unknown": f"aws_s3_bucket.b{i}.id"},
                       "rule": [{"apply_server_side_encryption_by_default": [
                           {"sse_algorithm": "aws:kms",
                            "kms_master_key_id": {"$unknown": "aws_kms_key.k.arn"}}]}]},
                      tags={}),
        ]
    return {"contract_version": 1, "kind": "terraform", "unit": "", "resources": resources}


def main(sizes: list[int]) -> None:
    rego = policies_dir() / "rego"
    policies = load_policy_set([rego], display_root=rego)
    engine = policies.new_engine()
    engine.add_data({"inventory": {"terraform": [], "kubernetes": []},
                     "gitops_compliance": {"params": DEFAULT_PARAMS}})
    print("policy   " + "".join(f"{n:>10}" for n in sizes) + "   (seconds; N of each kind)")
    timings: dict[str, list[float]] = {p.meta.id: [] for p in policies.policies}
    for n in sizes:
        engine.set_input(unit(n))
        for policy in policies.policies:
            started = time.perf_counter()
            engine.eval_rule_as_json(f"data.{policy.package}.deny")
            timings[policy.meta.id].append(time.perf_counter() - started)
    for policy_id, values in timings.items():
        print(f"{policy_id:8} " + "".join(f"{v:>10.3f}" for v in values))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 200, 400])
