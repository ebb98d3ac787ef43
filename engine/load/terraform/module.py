"""Load one Terraform module directory into normalized resources.

Every file is read and parsed once; variables, locals and ``jsonencode`` arguments of all
files feed one :class:`~.variables.Resolver`. Blocks become resources in file order, then
source order: ``resource`` (``TYPE.NAME``), ``data`` (``data.TYPE.NAME``), ``provider``
(``provider.NAME`` / ``provider.NAME.ALIAS``) and ``module`` calls (``module.NAME``).
A file that cannot be read or parsed is a ``parse-error``; the other files still load (their
references to what the broken file declared become ``$unknown``).

Which tfvars count: those Terraform loads on its own — ``terraform.tfvars``,
``terraform.tfvars.json`` and ``*.auto.tfvars[.json]`` (lexical order, later wins). Other
``*.tfvars`` (passed with ``-var-file``) are parsed, so their syntax errors are reported, but
do not feed values. ``*.tf.json`` (Terraform's JSON syntax) is not read: each such file is a
``not-supported`` error (never silently skipped), also when the module has nothing else.

Secrets: attributes are redacted by :func:`~engine.load.redact.redact_terraform_config`, and
every ``$unknown`` text (config, tags, IAM statements) by
:func:`~engine.load.redact.redact_unknown_texts`, with the values of the module's sensitive
variables and secret-named locals, before the Resource exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from engine.limits import BINARY_CODE, LimitExceeded, NotReadable, binary_problem, read_limited
from engine.load.redact import redact_terraform_config, redact_unknown_texts
from engine.load.terraform.body import end_line, normalize_body, start_line
from engine.load.terraform.hcl import HclObject, HeredocText, ParsedFile, parse_hcl
from engine.load.terraform.iam import POLICY_DOCUMENT, Documents, policies_of
from engine.load.terraform.result import LoadResult
from engine.load.terraform.tags import ProviderKey, default_tags, effective_tags, provider_key
from engine.load.terraform.values import is_marker
from engine.load.terraform.variables import MISSING, Resolver, Variable, reference_text
from engine.model import Resource, ScanError
from engine.source.paths import resolve_inside

_REFERENCE_ARGUMENTS = {
    "managed": ("provider", "depends_on"),
    "data": ("provider", "depends_on"),
    "module": ("providers", "depends_on"),
    "provider": (),
}
_LIFECYCLE_REFERENCES = ("ignore_changes", "replace_triggered_by")
TF_JSON_NOT_SUPPORTED = ("Terraform JSON syntax (.tf.json) is not supported yet; the file was "
                         "not scanned")


@dataclass(frozen=True)
class _Block:
    mode: str  # managed | data | provider | module
    type: str
    name: str
    file: str
    line: int
    end_line: int
    raw: dict[str, Any]  # normalized, unresolved body
    alias: str = ""  # providers only


def load_module(root: Path, module_dir: str, files: Sequence[str]) -> LoadResult:
    """Load the ``.tf`` (and tfvars) ``files`` of ``module_dir``; never raises on bad input."""
    errors: list[ScanError] = []
    parsed: list[ParsedFile] = []
    tfvars: list[tuple[tuple[int, str], dict[str, Any]]] = []
    for path in sorted(set(files)):
        name = PurePosixPath(path).name
        if name.endswith(".tf.json"):
            errors.append(ScanError("not-supported", f"{path}: {TF_JSON_NOT_SUPPORTED}",
                                    file=path))
            continue
        if not name.endswith((".tf", ".tfvars", ".tfvars.json")):
            continue
        text = _read(root, path)
        if isinstance(text, ScanError):
            errors.append(text)
            continue
        values: dict[str, Any] | None
        if name.endswith(".tfvars.json"):
            values = _json_tfvars(text, path, errors)
        else:
            result = parse_hcl(text, path)
            if isinstance(result, ScanError):
                errors.append(result)
                continue
            if name.endswith(".tf"):
                parsed.append(result)
                continue
            values = normalize_body(result.body)
        order = _tfvars_order(name)
        if order is not None and values is not None:
            tfvars.append((order, values))
    errors.extend(_escaping_module_sources(root, module_dir, parsed))
    assignments: dict[str, Any] = {}
    for _, file_values in sorted(tfvars, key=lambda item: item[0]):
        assignments.update(file_values)
    try:
        resources = _build(parsed, assignments, module_dir, errors)
    except Exception as exc:  # a loader bug: report it for the module, never raise
        resources = []
        errors.append(ScanError("engine-error", f"{module_dir or '.'}: cannot load the module "
                                f"({type(exc).__name__})", unit=module_dir))
    return LoadResult(tuple(resources), tuple(errors))


def _escaping_module_sources(root: Path, module_dir: str,
                             parsed: Sequence[ParsedFile]) -> list[ScanError]:
    """Local module calls (``source = "../x"``) that lead outside the repository: reported,
    and never followed (Checkov's runner refuses them too, engine/evaluate/checkov)."""
    errors: list[ScanError] = []
    for file in parsed:
        for entry in _entries(file.body, "module"):
            for name, raw in _labelled(entry):
                source = normalize_body(raw).get("source")
                if not isinstance(source, str) or not source.startswith(("./", "../")):
                    continue  # registry, git and URL sources are not read (offline)
                if local_source_inside(root, module_dir, source) is None:
                    errors.append(ScanError(
                        "path-error", f"{file.path}: module {name!r}: source {source!r} leads "
                        "outside the repository; not followed", file=file.path,
                        line=start_line(raw)))
    return errors


def local_source_inside(root: Path, module_dir: str, source: str) -> str | None:
    """The repository-relative folder a local module source names, or None when it (or a
    symlink on the way) leads outside ``root``."""
    return resolve_inside(root, module_dir, source)


def _read(root: Path, path: str) -> str | ScanError:
    try:
        raw = read_limited(root / path)
    except (LimitExceeded, NotReadable) as exc:
        return ScanError(exc.code, f"{path}: {exc.message}", file=path)
    except OSError as exc:
        return ScanError("parse-error", f"{path}: cannot read ({exc.strerror or 'I/O error'})",
                         file=path)
    problem = binary_problem(raw)
    if problem:
        return ScanError(BINARY_CODE, f"{path}: {problem}: not parsed as text", file=path)
    try:
        return raw.decode("utf-8-sig")
    except OSError as exc:
        return ScanError("parse-error", f"{path}: cannot read ({exc.strerror or 'I/O error'})",
                         file=path)
    except UnicodeDecodeError as exc:
        return ScanError("parse-error", f"{path}: not UTF-8 (byte {exc.start})", file=path)


def _json_tfvars(text: str, path: str, errors: list[ScanError]) -> dict[str, Any] | None:
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(ScanError("parse-error", f"{path}: line {exc.lineno}, column {exc.colno}:"
                                f" invalid JSON ({exc.msg})", file=path, line=exc.lineno))
        return None
    if not isinstance(values, dict):
        errors.append(ScanError("parse-error", f"{path}: a tfvars JSON file must hold an object",
                                file=path, line=1))
        return None
    return {str(k): _json_literal(v) for k, v in values.items()}


def _json_literal(value: Any) -> Any:
    # Strings from JSON are final values: no HCL escapes (hence HeredocText) and "${" must
    # not be read as an interpolation.
    if isinstance(value, str):
        return HeredocText(value.replace("${", "$${").replace("%{", "%%{"))
    if isinstance(value, dict):
        return HclObject({str(k): _json_literal(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_json_literal(v) for v in value]
    return value


def _tfvars_order(name: str) -> tuple[int, str] | None:
    if name == "terraform.tfvars":
        return (0, name)
    if name == "terraform.tfvars.json":
        return (1, name)
    if name.endswith((".auto.tfvars", ".auto.tfvars.json")):
        return (2, name)
    return None


def _collect(parsed: Sequence[ParsedFile]) -> tuple[
        list[_Block], dict[str, Variable], dict[str, Any], dict[str, Any]]:
    blocks: list[_Block] = []
    variables: dict[str, Variable] = {}
    locals_: dict[str, Any] = {}
    jsonencode_args: dict[str, Any] = {}
    for file in parsed:
        jsonencode_args.update(file.jsonencode_args)
        body = file.body
        for entry in _entries(body, "variable"):
            for name, raw in _labelled(entry):
                norm = normalize_body(raw)
                variables.setdefault(name, Variable(
                    default=norm.get("default", MISSING), sensitive=norm.get("sensitive") is True))
        for entry in _entries(body, "locals"):
            for name, value in normalize_body(entry).items():
                locals_.setdefault(name, value)
        for mode, key in (("managed", "resource"), ("data", "data")):
            for entry in _entries(body, key):
                for type_, named in _labelled(entry):
                    for name, raw in _labelled(named):
                        blocks.append(_block(mode, type_, name, file.path, raw))
        for entry in _entries(body, "provider"):
            for name, raw in _labelled(entry):
                blocks.append(_block("provider", "provider", name, file.path, raw))
        for entry in _entries(body, "module"):
            for name, raw in _labelled(entry):
                blocks.append(_block("module", "module", name, file.path, raw))
    return blocks, variables, locals_, jsonencode_args


def _entries(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = body.get(key, [])
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _labelled(entry: Any) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(entry, Mapping):
        return []
    return [(str(k), v) for k, v in entry.items() if isinstance(v, Mapping)]


def _block(mode: str, type_: str, name: str, file: str, raw: Mapping[str, Any]) -> _Block:
    return _Block(mode, type_, name, file, start_line(raw), end_line(raw), normalize_body(raw))


def _build(parsed: Sequence[ParsedFile], assignments: Mapping[str, Any], module_dir: str,
           errors: list[ScanError]) -> list[Resource]:
    blocks, variables, locals_, jsonencode_args = _collect(parsed)
    resolver = Resolver(variables, assignments, locals_, jsonencode_args)
    secrets = resolver.secret_literals()
    documents = Documents(resolver, {
        b.name: b.raw for b in reversed(blocks) if b.mode == "data" and b.type == POLICY_DOCUMENT
    })
    # Providers first: resources need their default_tags.
    providers: dict[ProviderKey, dict[str, Any]] = {}
    configs: dict[int, dict[str, Any]] = {}
    for index, block in enumerate(blocks):
        if block.mode == "provider":
            with _guard(block, errors):
                config = resolver.resolve(block.raw)
                alias = config.get("alias")
                block = replace(block, alias=alias if isinstance(alias, str) else "")
                blocks[index] = block
                configs[index] = config
                providers.setdefault((block.name, block.alias), config)
    resources: list[Resource] = []
    for index, block in enumerate(blocks):
        if block.mode == "provider" and index not in configs:
            continue  # already reported by the guard above
        with _guard(block, errors):
            config = configs[index] if index in configs else resolver.resolve(block.raw)
            resources.append(_resource(block, config, module_dir, providers, documents,
                                       secrets))
    resources.sort(key=lambda r: (r.file, r.line, r.address))
    return resources


@contextmanager
def _guard(block: _Block, errors: list[ScanError]) -> Iterator[None]:
    """A loader bug on one block is reported and must not lose the rest of the module."""
    try:
        yield
    except Exception as exc:
        errors.append(ScanError(
            "engine-error", f"{block.file}: line {block.line}: cannot load {_address(block)} "
            f"({type(exc).__name__})", file=block.file, line=block.line))


def _address(block: _Block) -> str:
    if block.mode == "managed":
        return f"{block.type}.{block.name}"
    if block.mode == "data":
        return f"data.{block.type}.{block.name}"
    if block.mode == "provider":
        return f"provider.{block.name}" + (f".{block.alias}" if block.alias else "")
    return f"module.{block.name}"


def _resource(block: _Block, config: dict[str, Any], module_dir: str,
              providers: Mapping[ProviderKey, Mapping[str, Any]],
              documents: Documents, secrets: frozenset[str]) -> Resource:
    for key in _REFERENCE_ARGUMENTS[block.mode]:
        if key in block.raw:
            config[key] = reference_text(block.raw[key])
    lifecycle = block.raw.get("lifecycle")
    if isinstance(lifecycle, list) and isinstance(config.get("lifecycle"), list):
        for raw_block, resolved in zip(lifecycle, config["lifecycle"], strict=False):
            for key in _LIFECYCLE_REFERENCES:
                if isinstance(raw_block, Mapping) and key in raw_block:
                    resolved[key] = reference_text(raw_block[key])
    reference = config.get("provider") if block.mode in ("managed", "data") else None
    used = provider_key(block.type, reference if isinstance(reference, str) else None)
    provider = {"provider": block.name, "module": ""}.get(block.mode, used[0])
    if block.mode == "managed" and provider == "aws":
        tags = effective_tags(config, default_tags(providers.get(used)))
    elif block.mode == "provider":
        tags = {}
    else:
        tags = effective_tags(config, {})  # default_tags apply to managed AWS resources only
    if not is_marker(tags):
        tags = redact_terraform_config(block.type, {"tags": tags})["tags"]
    policies = policies_of(block.type, block.mode, block.name, block.raw, documents)
    extra: dict[str, Any] = {
        "mode": block.mode,
        "module": module_dir,
        "provider": provider,
        "tags": redact_unknown_texts(tags, secrets),
        "iam_policies": redact_unknown_texts(policies, secrets),
        "end_line": block.end_line,
    }
    return Resource(
        address=_address(block),
        kind="terraform",
        type=block.type,
        name=block.name,
        file=block.file,
        line=block.line,
        config=redact_unknown_texts(redact_terraform_config(block.type, config), secrets),
        extra=extra,
    )

