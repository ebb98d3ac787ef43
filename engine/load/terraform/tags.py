"""Effective tags: a resource's ``tags`` merged over its AWS provider's ``default_tags``.

The provider is the one the ``provider`` meta-argument names (``aws.eu`` → alias ``eu``),
else the default (un-aliased) configuration of the provider the type belongs to.

Limitation: only provider blocks in the same module directory are known. A child module
inherits (or is passed, via ``providers = {...}``) its caller's configuration, which a
per-directory load cannot see, so a module without its own provider block gets the
resource's own tags only. Plan JSON has no such gap: it carries ``tags_all``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.load.terraform.values import is_marker, unknown

ProviderKey = tuple[str, str]  # (provider name, alias or "")


def provider_key(type_: str, provider_ref: str | None) -> ProviderKey:
    """Which provider configuration a resource uses."""
    if provider_ref:
        name, _, alias = provider_ref.partition(".")
        return name, alias
    return type_.split("_", 1)[0], ""


def default_tags(provider_config: Mapping[str, Any] | None) -> Any:
    """``default_tags.tags`` of a resolved provider config: a dict, ``{}`` or a marker."""
    if provider_config is None:
        return {}
    blocks = provider_config.get("default_tags")
    if blocks is None:
        return {}
    if is_marker(blocks):
        return blocks
    if not isinstance(blocks, list) or not blocks or not isinstance(blocks[0], Mapping):
        return {}
    tags = blocks[0].get("tags")
    return _as_tags(tags, "default_tags.tags")


def _as_tags(tags: Any, text: str) -> Any:
    if tags is None:
        return {}
    if is_marker(tags) or isinstance(tags, dict):
        return tags
    return unknown(text)  # not a map: Terraform would reject it, we cannot read it


def effective_tags(config: Mapping[str, Any], defaults: Any) -> Any:
    """Resource ``tags`` over ``defaults``; a marker when either side is not known."""
    own = _as_tags(config.get("tags"), "tags")
    if is_marker(own):
        return own
    if is_marker(defaults):
        return defaults
    return {**defaults, **own}
