"""``gitops-compliance policy``: dispatch to one module per subcommand, imported on demand;
shared here: which policy directories and config the subcommands use."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.cli.outputs import Output, OutputUsageError, parse_outputs
from engine.cli.policy_args import POLICY_COMMANDS
from engine.config import Config, find_config, load_config
from engine.model import EXIT_USAGE

if TYPE_CHECKING:
    from engine.evaluate.rego import PolicySet
    from engine.library.consistency import Library


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    module = importlib.import_module(POLICY_COMMANDS[args.policy_command])
    code: int = module.run(args, out, err)
    return code


def load_policy_config(explicit: str | None) -> Config:
    """``--config FILE``, else the nearest config from the current directory up to the
    repository root (ConfigError on a bad file: exit 2)."""
    from engine.config import ConfigError
    from engine.source.worktree import find_root

    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return load_config(path)
    cwd = Path.cwd()
    root, _ = find_root(cwd)
    return load_config(find_config(cwd, root))


def selected_dirs(config: Config, extra: list[str]) -> list[Path]:
    from engine.pipeline import policy_dirs

    return policy_dirs(config, [Path(p) for p in extra])


@dataclass(frozen=True)
class Loaded:
    """What every subcommand needs, loaded once with every error mapped to exit 2."""

    config: Config
    dirs: list[Path]
    policy_set: PolicySet
    library: Library


def load_everything(args: argparse.Namespace, err: TextIO) -> Loaded | int:
    """The config, the policy directories (validated: a missing or broken one is exit 2),
    the compiled policy set and the library data; or the exit code after saying why."""
    from engine.config import ConfigError
    from engine.evaluate.checkov.severity import SeverityMapError
    from engine.evaluate.rego import EngineMismatchError, PolicyLoadError, load_policy_set
    from engine.evaluate.rego.engine_check import check_engine
    from engine.library.sources import build_library
    from engine.library.yamlfile import LibraryFileError
    from engine.source.worktree import SourceError

    try:
        config = load_policy_config(args.config)
        dirs = selected_dirs(config, args.policies)
        check_engine()
        policy_set = load_policy_set(dirs)
        library = build_library(policy_set.metas)
    except (ConfigError, SourceError, PolicyLoadError, EngineMismatchError, SeverityMapError,
            LibraryFileError) as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    return Loaded(config, dirs, policy_set, library)


def outputs_and_policies(args: argparse.Namespace, err: TextIO, formats: Sequence[str],
                         default: str) -> tuple[list[Output], Loaded] | int:
    """What every ``policy`` subcommand starts with: its ``-o`` outputs and the loaded
    policies, or the exit code (2) after saying why."""
    try:
        outputs = parse_outputs(args.output, formats, default)
    except OutputUsageError as exc:
        err.write(f"gitops-compliance: error: {exc}\n")
        return EXIT_USAGE
    loaded = load_everything(args, err)
    if isinstance(loaded, int):
        return loaded
    return outputs, loaded
