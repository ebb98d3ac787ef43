"""The governed waivers file (DESIGN.md §7): read it, validate it, turn it into ``Waiver``s.

One file, ``.gitops-compliance/waivers.yaml`` at the scan root unless the config's
``waivers:`` key names another (relative to the config file). Validation has two layers:
the JSON Schema shipped in ``engine/schemas/waivers-v1.json`` (shape, required fields), then
the rules a schema cannot say — real calendar dates, ``expires`` not before ``approved_on``
and at most ``waiver_max_days`` after it, unique ids. Every problem names the file, the line
and the waiver. No date decision is made here: whether a waiver is in force depends on the
``--as-of`` date and is asked with :meth:`Waiver.state`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from engine.globs import path_matches
from engine.limits import LimitExceeded, NotReadable, read_limited
from engine.load.yaml_loader import StrictLoader
from engine.model import Finding
from engine.resources import schemas_dir

DEFAULT_WAIVERS_PATH = ".gitops-compliance/waivers.yaml"
DEFAULT_MAX_DAYS = 90
SCHEMA_NAME = "waivers-v1.json"


class WaiverState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # expires < as-of: stops applying, reported by id
    PENDING = "pending"  # approved_on > as-of: not in force yet (an --as-of in the past)


@dataclass(frozen=True)
class Waiver:
    id: str
    policies: tuple[str, ...]
    paths: tuple[str, ...]  # globs relative to the scan root; empty: any path
    resources: tuple[str, ...]  # addresses (fnmatch wildcards); empty: any resource
    reason: str
    owner: str
    approver: str
    approved_on: date
    ticket: str
    expires: date
    line: int = 0  # where the waiver starts in the file

    def state(self, as_of: date) -> WaiverState:
        """In force from ``approved_on`` through ``expires`` inclusive (UTC dates)."""
        if as_of > self.expires:
            return WaiverState.EXPIRED
        if as_of < self.approved_on:
            return WaiverState.PENDING
        return WaiverState.ACTIVE

    def covers(self, finding: Finding) -> bool:
        """Policy id exact; every given scope dimension must match (paths AND resources)."""
        if finding.policy_id not in self.policies:
            return False
        if self.paths and not any(path_matches(p, finding.file) for p in self.paths):
            return False
        return not self.resources or any(
            fnmatch.fnmatchcase(finding.resource, pattern) for pattern in self.resources)


@dataclass(frozen=True)
class WaiverProblem:
    file: str
    line: int
    waiver: str  # the waiver's id, "#N" when it has none, "" for the file itself
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" waiver {self.waiver}:" if self.waiver else ""
        return f"{where}:{who} {self.message}"


@dataclass(frozen=True)
class WaiverFile:
    path: str  # as shown in messages (relative to the scan root where possible)
    waivers: tuple[Waiver, ...] = ()
    problems: tuple[WaiverProblem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems

    def get(self, waiver_id: str) -> Waiver | None:
        return next((w for w in self.waivers if w.id == waiver_id), None)


def load_waivers(path: Path, *, max_days: int = DEFAULT_MAX_DAYS,
                 display: str | None = None) -> WaiverFile:
    """Read and validate ``path``; problems are returned, never raised. An invalid file
    yields no waivers at all: half a governed file must not quietly apply."""
    shown = display or str(path)
    try:
        text = read_limited(path).decode("utf-8-sig")
    except OSError as exc:
        return _broken(shown, 0, f"cannot read the waivers file: {exc.strerror or exc}")
    except (LimitExceeded, NotReadable) as exc:
        return _broken(shown, 0, f"the waivers file: {exc.message}")
    except UnicodeDecodeError:
        return _broken(shown, 0, "the waivers file is not UTF-8 text")
    return parse_waivers(text, shown, max_days=max_days)


def parse_waivers(text: str, shown: str, *, max_days: int = DEFAULT_MAX_DAYS) -> WaiverFile:
    loader = StrictLoader(text)  # dates stay text: the schema validates them, then parsed
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except LimitExceeded as exc:
        return _broken(shown, exc.line, exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return _broken(shown, mark.line + 1 if mark else 0,
                       f"invalid YAML: {exc.problem or exc.context or 'syntax error'}")
    except yaml.YAMLError:
        return _broken(shown, 0, "invalid YAML")
    finally:
        loader.dispose()
    if data is None:
        return _broken(shown, 1, "the waivers file is empty (expected 'version: 1' and "
                                 "'waivers: [...]')")

    problems: list[WaiverProblem] = []
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        where = ".".join(str(p) for p in path) or "(top level)"
        problems.append(WaiverProblem(shown, _line(node, path), _waiver_name(data, path),
                                      f"{where}: {_schema_message(error)}"))
    # The rules a schema cannot say, on whatever is well-formed enough to judge, so one run
    # lists every problem of the file.
    items = data.get("waivers") if isinstance(data, dict) else None
    waivers: list[Waiver] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        line = _line(node, ["waivers", index])
        raw_id = item.get("id")
        name = raw_id if isinstance(raw_id, str) else f"#{index + 1}"
        dates: dict[str, date] = {}
        for key in ("approved_on", "expires"):
            if not isinstance(item.get(key), str):
                continue
            try:
                dates[key] = date.fromisoformat(item[key])
            except ValueError:
                problems.append(WaiverProblem(shown, _line(node, ["waivers", index, key]), name,
                                              f"{key}: {item[key]!r} is not a calendar date "
                                              "(YYYY-MM-DD)"))
        if name in seen:
            problems.append(WaiverProblem(shown, line, name,
                                          f"duplicate id (first defined at line {seen[name]})"))
        seen.setdefault(name, line)
        if len(dates) < 2:
            continue
        approved, expires = dates["approved_on"], dates["expires"]
        expires_line = _line(node, ["waivers", index, "expires"])
        if expires < approved:
            problems.append(WaiverProblem(shown, expires_line, name,
                                          f"expires {expires} is before approved_on {approved}"))
        elif (expires - approved).days > max_days:
            problems.append(WaiverProblem(
                shown, expires_line, name,
                f"expires {expires} is {(expires - approved).days} days after approved_on "
                f"{approved}; the maximum lifetime is {max_days} days (config "
                "'waiver_max_days')"))
        if problems:
            continue
        scope = item["scope"]
        waivers.append(Waiver(
            id=name, policies=tuple(item["policies"]), paths=tuple(scope.get("paths", ())),
            resources=tuple(scope.get("resources", ())), reason=item["reason"],
            owner=item["owner"], approver=item["approver"], approved_on=approved,
            ticket=item["ticket"], expires=expires, line=line))
    if problems:
        return WaiverFile(shown, (), tuple(sorted(problems, key=lambda p: p.line)))
    return WaiverFile(shown, tuple(waivers), ())


def resolve_waivers_path(explicit: Path | None, root: Path) -> tuple[Path, bool]:
    """The file to read and whether it was named explicitly (config ``waivers:``): a named
    file must exist; the default one is optional (no file = no waivers)."""
    if explicit is not None:
        return explicit, True
    return root / DEFAULT_WAIVERS_PATH, False


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _broken(shown: str, line: int, message: str) -> WaiverFile:
    return WaiverFile(shown, (), (WaiverProblem(shown, line, "", message),))


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schemas_dir() / SCHEMA_NAME).read_text("utf-8"))
    return schema


def _schema_message(error: Any) -> str:
    # jsonschema's wording for the common cases, without echoing long values.
    if error.validator == "additionalProperties":
        return str(error.message)
    if error.validator in ("pattern", "type", "const", "minLength", "minItems",
                           "minProperties", "uniqueItems"):
        expected = {"pattern": f"does not match {error.validator_value!r}",
                    "type": f"expected {error.validator_value}",
                    "const": f"expected {error.validator_value!r}",
                    "minLength": "must not be empty",
                    "minItems": "must not be empty",
                    "minProperties": "needs 'paths' and/or 'resources'",
                    "uniqueItems": "has repeated items"}[error.validator]
        return f"{_short(error.instance)} {expected}"
    return str(error.message)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _waiver_name(data: Any, path: Sequence[Any]) -> str:
    if len(path) < 2 or path[0] != "waivers" or not isinstance(path[1], int):
        return ""
    items = data.get("waivers") if isinstance(data, dict) else None
    item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return str(item["id"])
    return f"#{path[1] + 1}"


def _line(node: yaml.Node | None, path: Sequence[Any]) -> int:
    """1-based line of the deepest node on ``path`` that exists (0 when unknown)."""
    if node is None:
        return 0
    current: yaml.Node = node
    for part in path:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            child = next((v for k, v in current.value if getattr(k, "value", None) == part),
                         None)
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            child = current.value[part] if part < len(current.value) else None
        if child is None:
            break
        current = child
    return current.start_mark.line + 1


