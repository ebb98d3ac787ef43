"""regorus.Engine's interface, evaluated by real OPA — so the project's own loader,
evaluator and case runner can run unchanged on the oracle (``load_policy_set(...,
engine_factory=OpaAsRegorus)``).

Only parsing goes to regorus: the loader asks the engine for a module's package name and
its AST (rule names), which OPA's bindings do not expose. Every evaluation — the warm-up,
each unit, each fallback query — is OPA's.
"""

from __future__ import annotations

import json
from typing import Any

from tests.oracle import require_opa


class OpaAsRegorus:
    def __init__(self) -> None:
        import regorus

        self._parser: Any = regorus.Engine()
        self._modules: list[tuple[str, str]] = []
        self._data: list[Any] = []
        self._input: Any = {}
        self._opa: Any = None

    def clone(self) -> OpaAsRegorus:
        twin = OpaAsRegorus.__new__(OpaAsRegorus)
        twin._parser = self._parser.clone()
        twin._modules = list(self._modules)
        twin._data = list(self._data)
        twin._input = self._input
        twin._opa = None
        return twin

    def add_policy(self, name: str, text: str) -> str:
        package: str = self._parser.add_policy(name, text)
        self._modules.append((name, text))
        self._opa = None
        return package

    def add_data(self, data: Any) -> None:
        self._data.append(data)
        self._opa = None

    def set_input(self, value: Any) -> None:
        self._input = value

    def get_ast_as_json(self) -> str:
        ast: str = self._parser.get_ast_as_json()
        return ast

    def _engine(self) -> Any:
        if self._opa is None:
            engine = require_opa()()
            for name, text in self._modules:
                engine.add_policy(name, text)
            for document in self._data:
                engine.add_data(document)
            self._opa = engine
        return self._opa

    def eval_rule_as_json(self, rule: str) -> str:
        from opa_bindings import OpaError, OpaUndefinedError

        try:
            value = self._engine().eval_document(rule.removeprefix("data."), input=self._input)
        except OpaUndefinedError:
            return json.dumps("<undefined>")
        except OpaError as exc:  # the evaluator treats engine failures as RuntimeError
            raise RuntimeError(str(exc)) from None
        return json.dumps(value)

    def eval_query_as_json(self, query: str) -> str:
        from opa_bindings import OpaError

        try:
            bindings = self._engine().eval_query(f"oracle_value := {query}", input=self._input)
        except OpaError as exc:
            raise RuntimeError(str(exc)) from None
        return json.dumps({"result": [{"expressions": [{"value": b["oracle_value"]}]}
                                      for b in bindings]})
