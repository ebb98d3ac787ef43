"""The Terraform loader (DESIGN.md §3 load, §5; docs/input-contract.md).

* :func:`load_module` — one module directory's ``.tf`` files (and auto-loaded tfvars);
* :func:`load_plan` — ``terraform show -json`` output.

Both return a :class:`LoadResult` and never raise for bad input: unreadable or unparsable
files become ``parse-error`` ScanErrors. Secrets are redacted before a Resource exists.
"""

from __future__ import annotations

from engine.load.terraform.module import load_module
from engine.load.terraform.plan import load_plan
from engine.load.terraform.result import LoadResult

__all__ = ["LoadResult", "load_module", "load_plan"]
