"""Errors of the Rego engine adapter that stop a scan before it starts (exit 2)."""

from __future__ import annotations

# Regorus error strings end with a Rust backtrace when RUST_BACKTRACE is set; it helps
# nobody reading a policy error, so it is cut off everywhere a message is built.
_BACKTRACE_MARKER = "Stack backtrace:"


def clean_engine_message(text: str) -> str:
    """A regorus error message without the Rust backtrace and surrounding blank lines."""
    return text.split(_BACKTRACE_MARKER, 1)[0].strip()


class PolicyLoadError(Exception):
    """A policy that cannot be used: syntax error, duplicate id or package, bad metadata.

    ``file`` is the policy file as given to the loader (relative to its policy directory's
    parent when possible); ``line`` is 1-based, 0 when unknown.
    """

    def __init__(self, message: str, file: str = "", line: int = 0) -> None:
        self.message = message
        self.file = file
        self.line = line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")


class EngineMismatchError(Exception):
    """The importable ``regorus`` module is not the engine this project was validated on."""

    def __init__(self, reason: str, distribution: str) -> None:
        self.reason = reason
        self.distribution = distribution
        super().__init__(
            f"the Rego engine failed its start-up check: {reason} "
            f"(module 'regorus' is provided by {distribution}; "
            "expected gordon-to-regorus 0.13)"
        )
