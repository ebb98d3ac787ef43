"""Errors of the remote OPA engine."""

from __future__ import annotations


class RemoteOpaError(Exception):
    """The OPA server cannot be used for this scan (unreachable, missing policy, rejected
    upload). The message never contains scanned content or the bearer token.

    ``invalid``: the scan's configuration is wrong (a token variable that is not set):
    exit 2 rather than 3."""

    def __init__(self, message: str, *, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid
