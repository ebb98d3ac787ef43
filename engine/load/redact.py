"""Load-time secret redaction (DESIGN.md §3, §8).

Secrets are replaced the moment a document is parsed, before a Resource exists, so no later
stage — policies, reports, logs, error messages — can leak them. Keys are kept (a policy can
still decide "this Secret carries data"); values become ``REDACTED``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED: dict[str, Any] = {"$redacted": True}

# Attribute names (Terraform) that hold credentials. Matched on the whole key, so
# "password" and "master_password" match but "password_policy" settings do not.
_SECRET_KEY = re.compile(
    r"""(?ix)
    (^|_)(password|passwd|secret|token|private_key|access_key|secret_key|api_key|
          client_secret|connection_string|sas_token|primary_key|secondary_key|auth_token|
          master_password|admin_password|credentials?)$
    """
)
# Keys that look secret-ish but hold references or non-secret settings.
_NOT_SECRET = re.compile(
    r"(?i)(_arn|_id|_ids|_name|_version|_length|_policy|_rotation|_enabled|_type|_path|_ttl)$"
)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET.search(key)


def _redact_values(value: Any) -> Any:
    """Every leaf below a secret-bearing key is a secret."""
    if isinstance(value, Mapping):
        return {k: _redact_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_values(v) for v in value]
    if value is None or isinstance(value, bool):
        return value  # "not set" and flags are not secrets, and policies need them
    return dict(REDACTED)


def redact_terraform_config(type_: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with credential attributes (at any depth) redacted.

    ``type_`` is accepted so type-specific rules can be added without changing callers.
    """
    del type_
    return _redact_mapping(config)


def _redact_mapping(config: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(key, str) and is_secret_key(key):
            out[key] = _redact_values(value)
        elif isinstance(value, Mapping):
            out[key] = _redact_mapping(value)
        elif isinstance(value, list):
            out[key] = [_redact_mapping(v) if isinstance(v, Mapping) else v for v in value]
        else:
            out[key] = value
    return out


def redact_kubernetes_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Kubernetes object whose Secret payload values are redacted.

    ``Secret`` ``data``/``stringData`` values always; the last-applied-configuration
    annotation too, because kubectl copies the whole object (values included) into it.
    """
    out = dict(obj)
    if out.get("kind") == "Secret":
        for field in ("data", "stringData"):
            payload = out.get(field)
            if isinstance(payload, Mapping):
                out[field] = {str(k): dict(REDACTED) for k in payload}
            elif payload is not None:
                out[field] = dict(REDACTED)
    metadata = out.get("metadata")
    if isinstance(metadata, Mapping):
        annotations = metadata.get("annotations")
        key = "kubectl.kubernetes.io/last-applied-configuration"
        if isinstance(annotations, Mapping) and key in annotations:
            out["metadata"] = {**metadata, "annotations": {**annotations, key: dict(REDACTED)}}
    return out
