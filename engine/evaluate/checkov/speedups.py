"""Avoidable work in Checkov's Terraform renderer, removed without changing its results.

Checkov evaluates every Terraform expression it renders through
``safe_eval_functions.evaluate``, which builds a brand-new ``asteval.Interpreter`` for each
call (``get_asteval``). Building one walks asteval's whole node table and inspects every
symbol of Checkov's function table; on terraform-aws-s3-bucket that happens about 254,000
times and costs a quarter of the scan. The interpreter's configuration never changes
(``symtable=SAFE_EVAL_DICT, use_numpy=False, minimal=True``), so the work can be done once:
``install_fast_asteval`` replaces ``get_asteval`` with a factory that copies the state of one
fully built interpreter into a fresh instance and binds node handlers on first use.

Every call still gets its own instance — ``terraform_try`` re-enters ``evaluate`` while an
outer evaluation is running, so sharing one would mix their error lists. The copied state is
checked against a normally built interpreter at install time (and by the tests); the patch is
applied only to the asteval versions it was verified with, otherwise Checkov runs unchanged.

The same scan parses only about 4,900 distinct expressions out of those 254,000 (module
instances render the same ``local.create_bucket`` again and again), so the interpreters also
share a cache of parsed syntax trees. asteval never modifies a tree it runs (read from its
1.0.6 sources: no handler assigns to a node), and only successful parses are cached, so a
failing expression still reports its error on every evaluation.
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable
from typing import Any

VERIFIED_ASTEVAL_VERSIONS = frozenset({"1.0.6"})
_PARSE_CACHE_SIZE = 50_000

# Attributes rebuilt per instance (mutable, or bound to the instance); everything else in the
# interpreter's __dict__ is shared configuration copied by reference.
_PER_INSTANCE = frozenset({
    "node_handlers", "symtable", "config", "error", "code_text", "readonly_symbols",
    "no_deepcopy", "start_time",
})


def install_fast_asteval() -> bool:
    """Patch Checkov's interpreter factory; return whether the patch is active."""
    import asteval
    from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions

    current = safe_eval_functions.get_asteval
    if getattr(current, "_gitops_fast", False):
        return True
    if asteval.__version__ not in VERIFIED_ASTEVAL_VERSIONS:
        return False
    factory = make_factory(current, safe_eval_functions.SAFE_EVAL_DICT)
    if not same_state(factory(), current()):
        return False
    safe_eval_functions.get_asteval = factory  # type: ignore[assignment]
    return True


def make_factory(build: Callable[[], Any], symtable: dict[str, Any]) -> Callable[[], Any]:
    template = build()
    shared = {k: v for k, v in vars(template).items() if k not in _PER_INSTANCE}
    functions = {
        node: (handler.__func__ if _bound_to(handler, template) else handler)
        for node, handler in template.node_handlers.items()
    }
    config = dict(template.config)
    readonly = frozenset(template.readonly_symbols)
    no_deepcopy = tuple(template.no_deepcopy)
    parsed: dict[str, Any] = {}

    class _CachedParse(type(template)):  # type: ignore[misc]
        def parse(self, text: str) -> Any:
            tree = parsed.get(text)
            if tree is None:
                tree = super().parse(text)  # raises (and records the error) when invalid
                if len(parsed) >= _PARSE_CACHE_SIZE:
                    parsed.clear()
                parsed[text] = tree
            else:
                self.expr = text  # what asteval's parse records before parsing
            return tree

    interpreter_class = _CachedParse

    class _Handlers(dict[str, Any]):
        """Node handlers bound lazily: an expression uses a handful of the ~90 node types."""

        __slots__ = ("_owner",)
        _owner: Any

        def __missing__(self, node: str) -> Any:
            function = functions[node]  # KeyError for an unknown node, as in asteval
            handler = types.MethodType(function, self._owner) if isinstance(
                function, types.FunctionType) else function
            self[node] = handler
            return handler

    def get_asteval() -> Any:
        interpreter = object.__new__(interpreter_class)
        state = interpreter.__dict__
        state.update(shared)
        state["config"] = dict(config)
        state["error"] = []
        state["code_text"] = []
        state["readonly_symbols"] = set(readonly)
        state["no_deepcopy"] = list(no_deepcopy)
        state["start_time"] = time.time()
        # asteval's __init__ stores each new interpreter's printer in the (shared) table.
        symtable["print"] = interpreter._printer
        state["symtable"] = symtable
        handlers = _Handlers()
        handlers._owner = interpreter
        state["node_handlers"] = handlers
        return interpreter

    get_asteval._gitops_fast = True  # type: ignore[attr-defined]
    return get_asteval


def _bound_to(handler: Any, owner: Any) -> bool:
    return isinstance(handler, types.MethodType) and handler.__self__ is owner


def same_state(fast: Any, reference: Any) -> bool:
    """Whether a fast-built interpreter matches a normally built one, handler by handler."""
    fast_state, ref_state = vars(fast), vars(reference)
    if set(fast_state) != set(ref_state):
        return False
    for key, value in ref_state.items():
        if key in {"node_handlers", "start_time"}:
            continue
        if key == "symtable":
            if fast_state[key] is not value:
                return False
        elif fast_state[key] != value:
            return False
    ref_handlers = reference.node_handlers
    fast_handlers = fast.node_handlers
    for node, handler in ref_handlers.items():
        mine = fast_handlers[node]
        if _bound_to(handler, reference):
            if not (_bound_to(mine, fast) and mine.__func__ is handler.__func__):
                return False
        elif mine is not handler:
            return False
    return len(dict(fast_handlers)) == len(ref_handlers)


def install_safe_hcl_parser() -> bool:
    """Give Checkov the loader's HCL parser: hcl2's own grammar with its two string terminals
    rewritten so they cannot backtrack catastrophically (engine/load/terraform/hcl.py).

    hcl2's original regexes never return on some malformed strings; Checkov stops them only
    after its 10 s signal timeout, per file, and only on the main thread. With the same
    parser both engines agree on which files parse, and a hostile file costs milliseconds.
    Returns False (hcl2 left alone) when the loader fell back to hcl2's own grammar.
    """
    from hcl2.parser import Hcl2

    from engine.load.terraform.hcl import parser

    safe = parser()
    if safe is Hcl2.lark_parser:
        return False
    Hcl2.lark_parser = safe
    return True
