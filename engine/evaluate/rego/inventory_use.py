"""Does a policy set read ``data.inventory``? (decides what a staged or diff scan loads)

``data.inventory`` holds every resource of the scope (DESIGN.md §6). Building it means
loading every unit, which dominates a pre-commit run on a large repository; when no policy
can read it, a staged or diff scan loads only the changed units. The test is textual and
conservative: a module that names ``inventory`` anywhere, or indexes ``data`` dynamically
(``data[x]``, ``walk(data)``), counts as reading it.
"""

from __future__ import annotations

import re

from engine.evaluate.rego.loader import PolicySet

_READS_INVENTORY = re.compile(r"inventory|\bdata\s*\[|walk\s*\(\s*data\b")
_GENERATED = "<gitops-compliance>/"


def reads_inventory(policies: PolicySet) -> bool:
    return any(_READS_INVENTORY.search(text) for name, text in policies.modules
               if not name.startswith(_GENERATED))
