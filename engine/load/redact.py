"""Load-time secret redaction (DESIGN.md §3, §8).

Secrets are replaced the moment a document is parsed, before a Resource exists, so no later
stage — policies, reports, logs, error messages — can leak them. Keys are kept (a policy can
still decide "this Secret carries data"); values become ``REDACTED``.

Terraform has three layers:

* attribute names that hold credentials at any depth (:func:`is_secret_key`);
* per-type rules for attributes whose names say nothing (``aws_ssm_parameter.value``,
  ``kubernetes_secret.data``) and environment-variable maps and lists (Lambda
  ``environment.variables``, function/web app ``app_settings``, ECS ``environment``
  entries), where the variable's *name* tells (:func:`is_secret_env_name`);
* ``$unknown`` expression texts (:func:`redact_expression_text`): an unresolved expression is
  shown as the text the user wrote, so literals under secret keys inside it
  (``templatefile("p.tpl", { api_token = "..." })``) and literal copies of sensitive values
  are replaced by ``"<redacted>"`` there too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

REDACTED: dict[str, Any] = {"$redacted": True}
REDACTED_TEXT = "<redacted>"  # what replaces a secret literal inside an expression text
# Part of every cache key (engine/cache/keys.py): bump when a rule here changes what is
# redacted, so no entry stored under the old rules (with a value now secret) is served.
REDACTION_RULES = 3

# Attribute names (Terraform) that hold credentials. Matched on the whole key, so
# "password" and "master_password" match but "password_policy" settings do not. A few
# suffixes keep it a credential: secret_string, secret_binary, password_data (the value
# itself, in another encoding) and _wo (Terraform 1.11 write-only arguments).
_SECRET_KEY = re.compile(
    r"""(?ix)
    (^|_)(password|passwd|secret|token|private_key|access_key|secret_key|api_key|
          client_secret|connection_string|sas_token|primary_key|secondary_key|auth_token|
          master_password|admin_password|credentials?)
    (_(string|binary|value|data|plaintext|pem|pkcs8|openssh))?
    (_wo)?$
    """
)
# Keys that look secret-ish but hold references or non-secret settings.
_NOT_SECRET = re.compile(
    r"(?i)(_arn|_id|_ids|_name|_version|_length|_policy|_rotation|_enabled|_type|_path|_ttl)$"
)


# camelCase keys (Helm values, Kubernetes fields: dbPassword, apiToken, clientSecret) are
# matched as their snake_case spelling; secretName and secretKeyRef stay non-secret.
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_secret_key(key: str) -> bool:
    snake = _CAMEL_BOUNDARY.sub("_", key)
    return bool(_SECRET_KEY.search(snake)) and not _NOT_SECRET.search(snake)


# -- environment variables ------------------------------------------------------------

# A name segment that makes an environment variable a credential (STRIPE_KEY, DB_PASSWORD,
# API_TOKEN, githubToken) ...
_ENV_SECRET_SEGMENTS = frozenset({
    "KEY", "KEYS", "SECRET", "SECRETS", "TOKEN", "TOKENS", "PASSWORD", "PASSWORDS", "PASSWD",
    "PWD", "PASS", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "CREDS", "APIKEY", "ACCESSKEY",
    "SECRETKEY", "PRIVATEKEY", "AUTHTOKEN", "ACCESSTOKEN",
})
# ... unless it names where the secret is, or describes it (SECRET_ARN, KEY_ID, TOKEN_URL),
_ENV_NOT_SECRET_LAST = frozenset({
    "ID", "IDS", "ARN", "NAME", "PATH", "FILE", "DIR", "URL", "URI", "ENDPOINT", "HOST",
    "REGION", "TTL", "LENGTH", "VERSION", "ENABLED", "TYPE", "HEADER", "ROTATION", "POLICY",
    "EXPIRY", "EXPIRATION", "ALGORITHM",
})
# ... or the key is public by definition (PUBLIC_KEY, STRIPE_PUBLISHABLE_KEY).
_ENV_PUBLIC = frozenset({"PUBLIC", "PUBLISHABLE", "PUB"})
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _segments(name: str) -> list[str]:
    return [s.upper() for part in re.split(r"[^A-Za-z0-9]+", name) for s in _CAMEL.findall(part)]


def is_secret_env_name(name: str) -> bool:
    """Whether an environment variable (or app setting) of this name holds a credential."""
    segments = _segments(name)
    if not segments or name.upper() == "PWD":  # PWD alone is the shell's working directory
        return False
    if _ENV_PUBLIC.intersection(segments) or segments[-1] in _ENV_NOT_SECRET_LAST:
        return False
    return bool(_ENV_SECRET_SEGMENTS.intersection(segments)) or is_secret_key(name.lower())


def _is_secret_text_key(key: str) -> bool:
    """A key inside an expression: attribute rules, plus environment-variable rules for
    upper-case keys (``{ STRIPE_KEY = "..." }`` is an environment map; ``key`` is not)."""
    if is_secret_key(key):
        return True
    return key == key.upper() and any(c.isalpha() for c in key) and is_secret_env_name(key)


# Attributes holding environment-variable maps: a value is secret when its key is.
_ENV_MAPS = frozenset({
    "variables",  # aws_lambda_function environment { variables = {...} }
    "environment_variables", "app_settings", "runtime_environment_variables",
    "build_environment_variables", "user_env_vars", "environment",
})
# Attributes holding lists of {name, value} entries (ECS/Batch container definitions,
# Kubernetes/Cloud Run/Container Apps env blocks, CodeBuild environment_variable blocks), or
# "NAME=value" strings (docker_container env).
_ENV_LISTS = frozenset({"env", "environment", "environment_variable"})
# Maps and {name, value} lists whose every value is secret by definition.
_SECRET_VALUE_MAPS = frozenset({"secure_environment_variables"})
_SECRET_VALUE_LISTS = frozenset({"set_sensitive"})  # helm_release

# Attributes holding a boot script (cloud-init, shell): ``export DB_PASSWORD=...`` lines are
# redacted (the value only; the script stays readable for policies that look for patterns).
_SCRIPT_ATTRIBUTES = frozenset({
    "user_data", "custom_data", "metadata_startup_script", "startup_script",
})

# Per-type rules: attributes whose whole value is a secret ...
_SECRET_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary", "secret_string_wo"),
    # A String parameter may hold a secret as well as a SecureString one; keep `type`.
    "aws_ssm_parameter": ("value", "insecure_value", "value_wo"),
    "azurerm_key_vault_secret": ("value", "value_wo"),
    "google_secret_manager_secret_version": ("secret_data", "secret_data_wo"),
    "vault_generic_secret": ("data_json",),
    "vault_kv_secret_v2": ("data_json",),
}
# ... maps whose keys stay and whose values are secrets (like a Kubernetes Secret) ...
_SECRET_MAP_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "kubernetes_secret": ("data", "binary_data"),
    "kubernetes_secret_v1": ("data", "binary_data"),
}
# ... and JSON documents in a string (container definitions carry environment lists).
_JSON_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_ecs_task_definition": ("container_definitions",),
    "aws_batch_job_definition": ("container_properties", "ecs_properties", "node_properties"),
}


# -- values -----------------------------------------------------------------------------


def _is_marker(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and (
        "$unknown" in value or value.get("$redacted") is True)


def _redact_values(value: Any) -> Any:
    """Every leaf below a secret-bearing key is a secret."""
    if _is_marker(value):
        return dict(REDACTED)  # an unknown secret is still a secret: never its expression
    if isinstance(value, Mapping):
        return {k: _redact_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_values(v) for v in value]
    if value is None or isinstance(value, bool):
        return value  # "not set" and flags are not secrets, and policies need them
    return dict(REDACTED)


def _redact_map_values(value: Any) -> Any:
    """Keys kept, each value redacted; a value that is not a map is redacted whole."""
    if isinstance(value, Mapping) and not _is_marker(value):
        return {k: _redact_values(v) for k, v in value.items()}
    if isinstance(value, list):  # a block (list of bodies) or a list of maps
        return [_redact_map_values(v) for v in value]
    return _redact_values(value)


def redact_value(value: Any) -> Any:
    """A copy of any value with credential attributes and env entries (at any depth)
    redacted; markers are kept as they are."""
    if isinstance(value, Mapping):
        return _redact_mapping(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def redact_terraform_config(type_: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with credential attributes (at any depth) and the attributes the
    type's rules name redacted."""
    out = _redact_mapping(config)
    for attribute in _SECRET_ATTRIBUTES.get(type_, ()):
        if attribute in out:
            out[attribute] = _redact_values(out[attribute])
    for attribute in _SECRET_MAP_ATTRIBUTES.get(type_, ()):
        if attribute in out:
            out[attribute] = _redact_map_values(out[attribute])
    for attribute in _JSON_ATTRIBUTES.get(type_, ()):
        if isinstance(out.get(attribute), str):
            out[attribute] = _redact_json_text(out[attribute])
    if type_ == "kubernetes_manifest":
        manifests = out.get("manifest")
        if isinstance(manifests, Mapping) and not _is_marker(manifests):
            out["manifest"] = redact_kubernetes_object(manifests)
    return out


def _redact_mapping(config: Mapping[str, Any]) -> dict[str, Any]:
    if _is_marker(config):
        return dict(config)
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(key, str) and is_secret_key(key):
            out[key] = _redact_values(value)
        elif key in _SECRET_VALUE_MAPS:
            out[key] = _redact_map_values(value)
        elif key in _SECRET_VALUE_LISTS and isinstance(value, list):
            out[key] = [_redact_entry(v, always=True) for v in value]
        elif key in _ENV_MAPS and isinstance(value, Mapping) and not _is_marker(value):
            out[key] = {k: _redact_values(v) if isinstance(k, str) and is_secret_env_name(k)
                        else redact_value(v) for k, v in value.items()}
        elif key in _ENV_LISTS and isinstance(value, list):
            out[key] = [_redact_entry(v, always=False) for v in value]
        elif key in _SCRIPT_ATTRIBUTES and isinstance(value, str):
            out[key] = redact_assignments_text(value)
        else:
            out[key] = redact_value(value)
    return out


def _redact_entry(entry: Any, always: bool) -> Any:
    """One environment entry: ``{name, value}`` or ``"NAME=value"``."""
    if isinstance(entry, Mapping) and not _is_marker(entry) and "value" in entry:
        name = entry.get("name")
        if always or (isinstance(name, str) and is_secret_env_name(name)):
            rest = _redact_mapping({k: v for k, v in entry.items() if k != "value"})
            return {k: _redact_values(entry[k]) if k == "value" else rest[k] for k in entry}
    if isinstance(entry, str) and "=" in entry:
        name, _, _value = entry.partition("=")
        if always or is_secret_env_name(name):
            return f"{name}={REDACTED_TEXT}"
    return redact_value(entry)


def _redact_json_text(text: str) -> str:
    """A JSON document in a string with its secrets redacted (re-encoded only if needed)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return text
    redacted = redact_value(document)
    if redacted == document:
        return text
    return json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))


def redact_kubernetes_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Kubernetes object whose Secret payload values are redacted.

    ``Secret`` ``data``/``stringData`` values always; the last-applied-configuration
    annotation too, because kubectl copies the whole object (values included) into it; the
    ``value`` of every ``env`` entry whose name is a credential (``DB_PASSWORD``), and
    ``--password=...`` items of ``args``/``command``, in any container of any kind (a Helm
    chart copies values into them); ``ConfigMap`` entries (:func:`_redact_config_map`).
    """
    out = _redact_env_values(obj)
    out = _redact_gitops_values(out)
    if out.get("kind") == "Secret":
        for field in ("data", "stringData"):
            payload = out.get(field)
            if isinstance(payload, Mapping):
                out[field] = {str(k): dict(REDACTED) for k in payload}
            elif payload is not None:
                out[field] = dict(REDACTED)
    if out.get("kind") == "ConfigMap":
        for field in ("data", "binaryData"):
            payload = out.get(field)
            if isinstance(payload, Mapping):
                out[field] = _redact_config_map(payload)
    metadata = out.get("metadata")
    if isinstance(metadata, Mapping):
        annotations = metadata.get("annotations")
        key = "kubectl.kubernetes.io/last-applied-configuration"
        if isinstance(annotations, Mapping) and key in annotations:
            out["metadata"] = {**metadata, "annotations": {**annotations, key: dict(REDACTED)}}
    return out


def _redact_gitops_values(obj: dict[str, Any]) -> dict[str, Any]:
    """Inline Helm values of Argo CD Applications (and ApplicationSet templates) and Flux
    HelmReleases: key rules inside ``values`` / ``valuesObject`` (a YAML string is parsed,
    redacted and written back), and ``parameters`` whose name ends in a credential."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return obj
    kind = obj.get("kind")
    if kind == "HelmRelease" and isinstance(spec.get("values"), Mapping):
        return {**obj, "spec": {**spec, "values": redact_value(spec["values"])}}
    if kind == "ApplicationSet" and isinstance(spec.get("template"), Mapping):
        template = spec["template"]
        if isinstance(template.get("spec"), Mapping):
            inner = _redact_gitops_values({"kind": "Application", "spec": template["spec"]})
            return {**obj, "spec": {**spec, "template": {**template, "spec": inner["spec"]}}}
    if kind != "Application":
        return obj
    out = dict(spec)
    if isinstance(spec.get("source"), Mapping):
        out["source"] = _redact_argo_source(spec["source"])
    if isinstance(spec.get("sources"), list):
        out["sources"] = [_redact_argo_source(s) if isinstance(s, Mapping) else s
                          for s in spec["sources"]]
    return {**obj, "spec": out}


def _redact_argo_source(source: Mapping[str, Any]) -> dict[str, Any]:
    helm = source.get("helm")
    if not isinstance(helm, Mapping):
        return dict(source)
    out = dict(helm)
    if isinstance(helm.get("valuesObject"), Mapping):
        out["valuesObject"] = redact_value(helm["valuesObject"])
    if isinstance(helm.get("values"), str):
        out["values"] = _redact_yaml_text(helm["values"])
    if isinstance(helm.get("parameters"), list):
        out["parameters"] = [
            {**p, "value": _redact_values(p["value"])}
            if isinstance(p, Mapping) and "value" in p and isinstance(p.get("name"), str)
            and _is_secret_parameter(p["name"]) else p for p in helm["parameters"]]
    return {**source, "helm": out}


def _is_secret_parameter(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return is_secret_key(last) or is_secret_env_name(last)


def _redact_yaml_text(text: str) -> str:
    """A YAML document in a string with its secrets redacted (re-written only if needed;
    text that does not parse is replaced whole: it cannot be checked)."""
    import yaml

    from engine.load.yaml_loader import StrictLoader  # its limits hold here too

    try:
        document = yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, RecursionError, ValueError):
        return REDACTED_TEXT
    redacted = redact_value(document)
    if redacted == document:
        return text
    return yaml.safe_dump(redacted, sort_keys=False, allow_unicode=True)


def _redact_config_map(payload: Mapping[str, Any]) -> dict[str, Any]:
    """ConfigMap ``data``/``binaryData``: people do put credentials there (a ConfigMap is
    mounted or loaded with ``envFrom`` like a Secret). A key named like a credential
    (``GITHUB_TOKEN``, ``db.password``) has its value redacted; a value holding a JSON
    object (``config.json``) or, under a ``*.yaml`` key, a YAML document has the key rules
    applied inside it; any other text has its ``NAME=value`` / ``--flag=value``
    assignments with credential names redacted (``.properties``, ``.env``, scripts).
    No built-in policy reads ConfigMap values; their keys are kept."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        name = str(key)
        if is_secret_key(name) or is_secret_env_name(name):
            out[name] = _redact_values(value)
        elif not isinstance(value, str):
            out[name] = redact_value(value)
        elif value.lstrip().startswith("{"):
            out[name] = _redact_json_object_text(value)
        elif name.lower().endswith((".yaml", ".yml")):
            out[name] = _redact_yaml_text(value)
        else:
            out[name] = redact_assignments_text(value)
    return out


def _redact_json_object_text(text: str) -> str:
    """A string that looks like a JSON object: its secrets redacted inside. Text that is not
    JSON gets the assignment rule; JSON past ``limits.nesting_depth`` cannot be checked and
    is replaced whole."""
    from engine.limits import LimitExceeded, check_json_depth

    try:
        document = json.loads(text)
        check_json_depth(document)
    except ValueError:
        return redact_assignments_text(text)
    except (RecursionError, LimitExceeded):
        return REDACTED_TEXT
    redacted = redact_value(document)
    if redacted == document:
        return text
    return json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))


# ``NAME=value`` and ``--flag=value`` inside free text (a shell script, a command line, a
# properties file): the value is a token (quoted or up to a blank or shell operator).
_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z0-9_.-])(?P<name>-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s;&|'"]+)""")


# Names glued into one word in scripts (PGPASSWORD, MYSQLPASSWORD, VAULTTOKEN).
_GLUED_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN")


def _is_secret_flag(name: str) -> bool:
    bare = name.lstrip("-")
    return bool(bare) and (is_secret_key(bare.replace("-", "_")) or
                           is_secret_env_name(bare) or
                           bare.upper().endswith(_GLUED_SECRET_SUFFIXES))


def redact_assignments_text(text: str) -> str:
    """``text`` with the value of every credential-named ``NAME=value`` / ``--flag=value``
    replaced (``export DB_PASSWORD=x``, ``mysql --password=x``, ``db.password = x``)."""
    def replace(match: re.Match[str]) -> str:
        if not _is_secret_flag(match.group("name")):
            return match.group(0)
        return _replace_group(match, "value")

    return _ASSIGNMENT.sub(replace, text) if "=" in text else text


def _redact_arguments(items: list[Any]) -> list[Any]:
    """Container ``args``/``command``: ``--password=x`` (or ``x`` after a lone
    ``--db-token``) and assignments inside ``sh -c`` scripts."""
    out: list[Any] = []
    secret_next = False
    for item in items:
        if not isinstance(item, str):
            out.append(item)
            secret_next = False
            continue
        if secret_next and not item.startswith("-"):
            out.append(REDACTED_TEXT)
            secret_next = False
            continue
        secret_next = item.startswith("-") and "=" not in item and _is_secret_flag(item)
        out.append(redact_assignments_text(item))
    return out


def _redact_env_values(value: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "env" and isinstance(item, list):
            out[key] = [_redact_env_entry(e) for e in item]
        elif key in ("args", "command") and isinstance(item, list):
            out[key] = _redact_arguments(item)
        else:
            out[key] = _redact_env_below(item)
    return out


def _redact_env_below(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _redact_env_values(value)
    if isinstance(value, list):
        return [_redact_env_below(v) for v in value]
    return value


def _redact_env_entry(entry: Any) -> Any:
    if (isinstance(entry, Mapping) and "value" in entry and isinstance(entry.get("name"), str)
            and is_secret_env_name(entry["name"])):
        return {**entry, "value": _redact_values(entry["value"])}
    return entry


# -- $unknown expression texts --------------------------------------------------------


def redact_unknown_texts(value: Any, secret_values: Collection[str] = ()) -> Any:
    """A copy of ``value`` whose every ``{"$unknown": text}`` has its text redacted."""
    if isinstance(value, Mapping):
        if len(value) == 1 and isinstance(value.get("$unknown"), str):
            return {"$unknown": redact_expression_text(value["$unknown"], secret_values)}
        return {k: redact_unknown_texts(v, secret_values) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_unknown_texts(v, secret_values) for v in value]
    return value


# A secret value this short is replaced only where a literal equals it, never inside text.
_MIN_SUBSTRING_SECRET = 4


def redact_expression_text(text: str, secret_values: Collection[str] = ()) -> str:
    """An expression's text with its secret literals replaced by ``"<redacted>"``.

    Replaced: every literal (string, heredoc, number) inside the value of a secret-named key
    (``{ api_token = "..." }``, ``{ password: upper("...") }``, ``{ db = { password = ...}}``),
    the ``value`` of a ``{ name = "DB_PASSWORD", value = ... }`` entry, JSON pairs in
    string contents (``"password": "..."``, also with escaped quotes) and any literal that
    holds one of ``secret_values`` (the values of sensitive variables and locals).
    References and function names stay: they are what makes the text useful.
    """
    secrets = sorted({s for s in secret_values if s}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    _Scanner(text, secrets, spans).scan(0, len(text))
    out: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            continue  # inside a span already replaced
        out.append(text[position:start])
        out.append(f'"{REDACTED_TEXT}"')
        position = end
    out.append(text[position:])
    result = "".join(out)
    for pattern in _JSON_PAIRS:
        result = pattern.sub(_redact_json_pair, result)
    for pattern in _JSON_ENV_ENTRIES:
        result = pattern.sub(_redact_json_env_entry, result)
    for secret in secrets:
        if len(secret) >= _MIN_SUBSTRING_SECRET:
            result = result.replace(secret, REDACTED_TEXT)
    return result


# JSON inside string contents: "key": "value" (a heredoc's raw text) and \"key\": \"value\"
# (JSON written in a quoted HCL string): secret-named pairs, and {"name": .., "value": ..}
# entries whose name is a secret environment variable.
_PLAIN_STRING = r'"(?P<{0}>(?:[^"\\\n]|\\.)*)"'
_ESCAPED_STRING = r'\\"(?P<{0}>(?:[^"\\\n]|\\[^"\n])*)\\"'
_JSON_PAIRS = tuple(
    re.compile(rf"{string.format('key')}\s*:\s*{string.format('value')}")
    for string in (_PLAIN_STRING, _ESCAPED_STRING)
)
_JSON_ENV_ENTRIES = tuple(
    re.compile(rf"{string.format('name_key')}\s*:\s*{string.format('name')}\s*,\s*"
               rf"{string.format('value_key')}\s*:\s*{string.format('value')}")
    for string in (_PLAIN_STRING, _ESCAPED_STRING)
)


def _replace_group(match: re.Match[str], group: str) -> str:
    offset = match.start()
    start, end = match.span(group)
    whole = match.group(0)
    return whole[:start - offset] + REDACTED_TEXT + whole[end - offset:]


def _redact_json_pair(match: re.Match[str]) -> str:
    if not _is_secret_text_key(match.group("key")):
        return match.group(0)
    return _replace_group(match, "value")


def _redact_json_env_entry(match: re.Match[str]) -> str:
    if (match.group("name_key"), match.group("value_key")) != ("name", "value") or \
            not is_secret_env_name(match.group("name")):
        return match.group(0)
    return _replace_group(match, "value")


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n")
_TWO_CHAR_OPERATORS = ("==", "!=", "<=", ">=", "=>", "&&", "||", "::", "...")


class _Frame:
    """One bracket level of an expression text. In ``{`` frames, elements are
    ``key = value`` (or ``key: value``) separated by commas or newlines."""

    __slots__ = ("at_element_start", "current_key", "element_secret", "inherited", "kind",
                 "name_secret", "pending_key")

    def __init__(self, kind: str, inherited: bool) -> None:
        self.kind = kind
        self.inherited = inherited  # the whole frame sits under a secret key
        self.element_secret = False
        self.at_element_start = kind == "{"
        self.pending_key: tuple[str, int, int, bool] | None = None  # text, span, is-literal
        self.current_key: str | None = None
        self.name_secret = False  # this object's `name` is a secret env var name

    @property
    def secret(self) -> bool:
        return self.inherited or self.element_secret

    def new_element(self) -> None:
        self.element_secret = False
        self.at_element_start = self.kind == "{"
        self.pending_key = None
        self.current_key = None


class _Scanner:
    """Finds the spans of secret literals in an expression text (HCL, or the Python
    ``repr`` hcl2 uses inside ``for`` expressions). Never raises, whatever the text."""

    def __init__(self, text: str, secrets: list[str], spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.secrets = secrets
        self.spans = spans

    def scan(self, start: int, end: int) -> None:
        text = self.text
        stack = [_Frame("top", inherited=False)]
        i = start
        while i < end:
            frame = stack[-1]
            ch = text[i]
            if ch in " \t\r":
                i += 1
                continue
            token_end, kind = self._token(i, end)
            if frame.pending_key is not None and kind not in ("=", ":"):
                self._flush_pending(frame)
            if kind in ("string", "heredoc", "number"):
                self._literal(frame, i, token_end, kind)
            elif kind == "ident":
                if frame.at_element_start:
                    frame.pending_key = (text[i:token_end], i, token_end, False)
                frame.at_element_start = False
            elif kind in ("=", ":"):
                if frame.pending_key is not None:
                    key = frame.pending_key[0]
                    frame.pending_key = None
                    frame.current_key = key
                    frame.element_secret = _is_secret_text_key(key) or (
                        key == "value" and frame.name_secret)
            elif kind == "open":
                frame.at_element_start = False
                stack.append(_Frame(ch, inherited=frame.secret))
            elif kind == "close":
                if len(stack) > 1:
                    stack.pop()
            elif kind == "separator":
                if frame.kind == "{" and (ch == "," or frame.current_key is not None or
                                          frame.at_element_start):
                    frame.new_element()
            else:
                frame.at_element_start = False
            i = token_end
        for frame in stack:
            if frame.pending_key is not None:
                self._flush_pending(frame)

    def _token(self, i: int, end: int) -> tuple[int, str]:
        text = self.text
        ch = text[i]
        if ch == '"':
            return self._string_end(i + 1, end), "string"
        if ch == "'":
            return self._quoted_end(i + 1, end, "'"), "string"
        if ch == "<":
            heredoc = _HEREDOC_START.match(text, i, end)
            if heredoc:
                closing = re.compile(rf"\n[ \t]*{re.escape(heredoc.group(1))}[ \t]*(?=\n|$)")
                found = closing.search(text, heredoc.end() - 1, end)
                return (found.end() if found else end), "heredoc"
        for operator in _TWO_CHAR_OPERATORS:
            if text.startswith(operator, i):
                return i + len(operator), "operator"
        if ch in "{[(":
            return i + 1, "open"
        if ch in "}])":
            return i + 1, "close"
        if ch in ",\n":
            return i + 1, "separator"
        if ch in "=:":
            return i + 1, ch
        ident = _IDENT.match(text, i, end)
        if ident:
            return ident.end(), "ident"
        number = _NUMBER_TOKEN.match(text, i, end)
        if number:
            return number.end(), "number"
        return i + 1, "operator"

    def _quoted_end(self, i: int, end: int, quote: str) -> int:
        text = self.text
        while i < end:
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == quote:
                return i + 1
            i += 1
        return end

    def _string_end(self, i: int, end: int) -> int:
        """End of a double-quoted template, skipping over ``${ ... }`` (which may hold
        quotes of its own)."""
        text = self.text
        while i < end:
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                return i + 1
            if text.startswith(("$${", "%%{"), i):
                i += 3
                continue
            if text.startswith(("${", "%{"), i):
                i = self._interpolation_end(i + 2, end)
                continue
            i += 1
        return end

    def _interpolation_end(self, i: int, end: int) -> int:
        depth = 1
        text = self.text
        while i < end:
            ch = text[i]
            if ch == '"':
                i = self._string_end(i + 1, end)
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return end

    def _interpolations(self, start: int, end: int) -> list[tuple[int, int]]:
        """The ``${ ... }`` bodies inside the string literal at ``start:end``."""
        text = self.text
        found: list[tuple[int, int]] = []
        i = start + 1
        while i < end - 1:
            if text[i] == "\\":
                i += 2
                continue
            if text.startswith(("$${", "%%{"), i):
                i += 3
                continue
            if text.startswith(("${", "%{"), i):
                close = self._interpolation_end(i + 2, end)
                found.append((i + 2, max(i + 2, close - 1)))
                i = close
                continue
            i += 1
        return found

    def _flush_pending(self, frame: _Frame) -> None:
        """A would-be key not followed by ``=``/``:`` was a value after all."""
        assert frame.pending_key is not None
        _, start, end, is_literal = frame.pending_key
        frame.pending_key = None
        if is_literal:
            self._value_literal(frame, start, end, "string")

    def _literal(self, frame: _Frame, start: int, end: int, kind: str) -> None:
        if frame.at_element_start and kind == "string":
            content = self.text[start + 1:end - 1]
            frame.pending_key = (content, start, end, True)
            frame.at_element_start = False
            return
        frame.at_element_start = False
        if frame.current_key == "name" and kind == "string" and not frame.secret:
            frame.name_secret = is_secret_env_name(self.text[start + 1:end - 1])
        self._value_literal(frame, start, end, kind)

    def _value_literal(self, frame: _Frame, start: int, end: int, kind: str) -> None:
        if frame.secret or self._holds_secret_value(start, end, kind):
            self.spans.append((start, end))
        elif kind == "string" and self.text[start] == '"':
            for inner_start, inner_end in self._interpolations(start, end):
                self.scan(inner_start, inner_end)

    def _holds_secret_value(self, start: int, end: int, kind: str) -> bool:
        if not self.secrets:
            return False
        token = self.text[start:end]
        content = token[1:-1] if kind == "string" else token
        return any(content == secret or (len(secret) >= _MIN_SUBSTRING_SECRET and
                                          secret in content) for secret in self.secrets)

