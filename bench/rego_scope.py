"""CPU time of the Rego library on a Terraform scope copied N times (whole-scope rules).

Rules that read ``data.inventory`` (GXP-01's trail, GXP-04's data events, split-resource
joins) cost a pass over the scope in each unit that reaches them, and no engine caches them
between units: the cost grows with units x inventory. This measures it, CPU time of one
process (robust on a loaded machine), for the built-in library or any policy directory:

    python bench/rego_scope.py ../shared/corpus/terraform-aws-eks --copies 8
    python bench/rego_scope.py DIR --copies 8 --policies /path/to/other/rego

Imports the engine (unlike run.py): it times the Rego stage alone, without Checkov.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from engine.evaluate.rego import load_policy_set
from engine.evaluate.rego.loader import AGGREGATE_RULE
from engine.load.terraform import load_module
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir


def _units(root: Path) -> list[dict[str, Any]]:
    modules: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.tf")):
        if ".terraform" not in path.parts:
            modules.setdefault(path.parent.relative_to(root).as_posix(), []).append(
                path.relative_to(root).as_posix())
    return [{"contract_version": 1, "kind": "terraform", "unit": module_dir,
             "resources": [r.to_input() for r in load_module(root, module_dir, files).resources]}
            for module_dir, files in modules.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scope", type=Path)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--policies", type=Path, default=policies_dir() / "rego")
    args = parser.parse_args()
    units = _units(args.scope) * args.copies
    inventory = [r for unit in units for r in unit["resources"]]
    policy_set = load_policy_set([args.policies], display_root=args.policies)
    engine = policy_set.new_engine()
    engine.add_data({"inventory": {"terraform": inventory, "kubernetes": []},
                     "gitops_compliance": {"params": DEFAULT_PARAMS}})
    start = time.process_time()
    for unit in units:
        engine.set_input(unit)
        engine.eval_rule_as_json(AGGREGATE_RULE)
    elapsed = time.process_time() - start
    print(f"{len(policy_set.policies)} policies, {len(units)} units, {len(inventory)} resources:"
          f" {elapsed:.3f} s CPU ({1000 * elapsed / max(len(units), 1):.1f} ms per unit)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
