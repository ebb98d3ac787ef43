"""Every file the engine writes goes through a reviewed path: reports through
``write_output``/``write_atomic`` (atomic, interrupt-safe, special files in place), cache
entries through ``ResultCache.put``. A new direct write (a report format writing its own
file, a debug dump) fails here and must be routed or added to the list with a reason."""

from __future__ import annotations

import ast

from tests.conftest import REPO_ROOT

# module -> why it may write files itself
ALLOWED = {
    "engine/audit/timeline.py": "another commit's waivers file for a gate scan, in a "
                                "TemporaryDirectory removed on any exit",
    "engine/audit/signature.py": "a copy of SHA256SUMS for ssh-keygen to sign, in a "
                                 "TemporaryDirectory removed on any exit",
    "engine/report/writer.py": "the atomic report writer",
    "engine/cache/store.py": "cache entries: temp + rename, checksummed",
    "engine/evaluate/checkov/kubernetes.py": "rendered objects for Checkov, in a "
                                             "TemporaryDirectory removed on any exit",
    "engine/load/helm/worker.py": "its private answer pipe (fd 1's duplicate)",
    "engine/source/git_repo.py": "git-mode snapshots, in a temporary folder that "
                                 "open_revisions removes on any exit (interrupts included)",
}
_PATH_METHODS = {"write_text", "write_bytes"}  # pathlib
_MODULE_FUNCTIONS = {("os", "replace"), ("os", "rename"), ("shutil", "copy"),
                     ("shutil", "copyfile"), ("shutil", "copy2"), ("shutil", "copytree"),
                     ("shutil", "move"), ("tempfile", "mkstemp"),
                     ("tempfile", "NamedTemporaryFile")}


def _writes(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = (func.value.id if isinstance(func, ast.Attribute)
                 and isinstance(func.value, ast.Name) else "")
        if name in _PATH_METHODS or (owner, name) in _MODULE_FUNCTIONS:
            lines.append(node.lineno)
        elif name in ("open", "fdopen"):
            modes = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "mode")]
            if any(isinstance(m, ast.Constant) and isinstance(m.value, str)
                   and set(m.value) & set("wax+") for m in modes):
                lines.append(node.lineno)
    return lines


def test_only_reviewed_modules_write_files() -> None:
    found = {}
    for path in sorted((REPO_ROOT / "engine").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative.startswith("engine/library/"):
            continue  # policy-authoring tools (cases run in a TemporaryDirectory)
        lines = _writes(ast.parse(path.read_text(encoding="utf-8")))
        if lines and relative not in ALLOWED:
            found[relative] = lines
    assert found == {}
    assert all((REPO_ROOT / module).is_file() for module in ALLOWED)
