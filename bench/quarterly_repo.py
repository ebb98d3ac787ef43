"""Build a git repository with a quarter of back-dated history, for the quarterly benchmark.

``build_repo(dest, commits, seed)`` copies the shared corpus (read-only source, copied at
run time, never into the project) into ``dest``, commits it once on 2026-06-28 (the end of
the previous quarter) and then makes ``commits`` first-parent commits spread over 2026-Q3
(GIT_AUTHOR_DATE / GIT_COMMITTER_DATE), each a realistic edit chosen deterministically from
``seed``: a manifest's image tag, replicas or labels; a privileged Pod added and removed
later; a Terraform variable default flipped; an S3 bucket resource added and removed later;
a Helm values file touched. Standard library only (the project's tests may import it).

``dest`` must not exist or be empty. ``corpus`` defaults to ``../shared/corpus`` next to
this checkout; pass ``parts`` to copy fewer corpus folders (a tiny repository for a test).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
PARTS = ("kubernetes-examples", "terraform-aws-s3-bucket", "terraform-aws-eks", "helm-charts")
QUARTER_START = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
QUARTER_SECONDS = 91 * 24 * 3600 - 16 * 3600  # commits end before 2026-09-30 16:00 UTC
IAC_SUFFIXES = (".tf", ".tfvars", ".yaml", ".yml", ".json", ".tpl")

_PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug-{n}
  namespace: default
  labels:
    app: debug-{n}
spec:
  containers:
    - name: shell
      image: busybox:1.36
      command: ["sleep", "3600"]
      securityContext:
        privileged: true
"""

_BUCKET = """\
resource "aws_s3_bucket" "bench_extra_{n}" {{
  bucket = "bench-extra-{n}"
}}
"""


def _git(root: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    done = subprocess.run(["git", "-c", "user.name=Bench Author", "-c",
                           "user.email=bench@example.com", "-c", "commit.gpgsign=false",
                           *args], cwd=root, env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def iac_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and ".git" not in p.parts and p.suffix in IAC_SUFFIXES)


class _Editor:
    """One edit per commit; returns the commit message (what changed)."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        files = iac_files(root)
        self.manifests = [f for f in files if f.startswith("kubernetes-examples/")
                          and f.endswith((".yaml", ".yml")) and self._has(f, "kind: Deployment")]
        self.variables = [f for f in files if f.endswith("variables.tf")
                          and re.search(r"default\s*=\s*(true|false)", self._read(f))]
        self.modules = sorted({str(Path(f).parent) for f in files
                               if f.startswith("terraform-aws-s3-bucket/examples/")
                               and f.endswith("main.tf")})
        self.values = [f for f in files if f.startswith("helm-charts/")
                       and Path(f).name == "values.yaml" and "/charts/" not in f]
        self.pods: list[str] = []
        self.buckets: list[str] = []
        self.count = 0

    def _read(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def _write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def _has(self, name: str, needle: str) -> bool:
        return needle in self._read(name)

    def edit(self) -> str:
        self.count += 1
        roll = self.rng.random()
        if self.pods and roll < 0.08:
            name = self.pods.pop(0)
            (self.root / name).unlink()
            return f"remove debug pod {name}"
        if self.buckets and roll < 0.14:
            name = self.buckets.pop(0)
            (self.root / name).unlink()
            return f"remove extra bucket {name}"
        if roll < 0.22:
            name = f"kubernetes-examples/debug/debug-{self.count}.yaml"
            self._write(name, _PRIVILEGED_POD.format(n=self.count))
            self.pods.append(name)
            return f"add privileged debug pod {name}"
        if roll < 0.30 and self.modules:
            module = self.rng.choice(self.modules)
            name = f"{module}/bench_extra_{self.count}.tf"
            self._write(name, _BUCKET.format(n=self.count))
            self.buckets.append(name)
            return f"add bucket to {module}"
        if roll < 0.42 and self.variables:
            name = self.rng.choice(self.variables)
            text = self._read(name)
            matches = list(re.finditer(r"(default\s*=\s*)(true|false)", text))
            match = self.rng.choice(matches)
            flipped = "false" if match.group(2) == "true" else "true"
            self._write(name, text[:match.start(2)] + flipped + text[match.end(2):])
            return f"flip a default in {name}"
        if roll < 0.52 and self.values:
            name = self.rng.choice(self.values)
            self._write(name, self._read(name) + f"\n# reviewed in change {self.count}\n")
            return f"touch {name}"
        return self._manifest()

    def _manifest(self) -> str:
        name = self.rng.choice(self.manifests)
        text = self._read(name)
        what = self.rng.choice(("image", "replicas", "labels"))
        if what == "replicas" and re.search(r"^\s*replicas:\s*\d+", text, re.M):
            text = re.sub(r"^(\s*replicas:\s*)(\d+)",
                          lambda m: m.group(1) + str(int(m.group(2)) % 5 + 1), text,
                          count=1, flags=re.M)
        elif what == "image" and re.search(r"^\s*-?\s*image:\s*\S+", text, re.M):
            text = re.sub(r"^(\s*-?\s*image:\s*)([^\s:@]+)(?::[^\s@]+)?\s*$",
                          lambda m: f"{m.group(1)}{m.group(2)}:1.{self.count}", text,
                          count=1, flags=re.M)
        else:  # a label on the first metadata block that has labels
            text, n = re.subn(r"^(\s*)labels:\s*\n(\s+)", lambda m: (
                f"{m.group(1)}labels:\n{m.group(2)}change: c{self.count}\n{m.group(2)}"),
                text, count=1, flags=re.M)
            if not n:
                text += f"\n# reviewed in change {self.count}\n"
        self._write(name, text)
        return f"{what} in {name}"


def build_repo(dest: Path, commits: int, seed: int, *, corpus: Path | None = None,
               parts: Sequence[str] = PARTS) -> Path:
    """Create the repository in ``dest``; returns ``dest``. Deterministic for one seed."""
    source = (corpus or DEFAULT_CORPUS).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"{dest}: not empty")
    for part in parts:
        shutil.copytree(source / part, dest / part, symlinks=True)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "import the corpus",
         when=QUARTER_START - timedelta(days=3))
    rng = random.Random(seed)
    editor = _Editor(dest, rng)
    step = QUARTER_SECONDS // max(commits, 1)
    for index in range(commits):
        message = editor.edit()
        _git(dest, "add", "-A")
        when = QUARTER_START + timedelta(seconds=index * step + rng.randrange(step // 2 + 1))
        _git(dest, "commit", "-q", "--allow-empty", "-m", message, when=when)
    return dest


def first_parent_commits(root: Path) -> list[str]:
    """The quarter's commits, oldest first (the import commit excluded)."""
    out = _git(root, "rev-list", "--first-parent", "--reverse",
               f"--since={QUARTER_START.isoformat()}", "HEAD")
    return out.split()
