"""Dockerfiles in the shape conftest gives policies (buildkit's instruction list)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.load.dockerfile import DockerfileError, parse_dockerfile
from engine.load.documents import load_file

DOCKERFILE = """# syntax=docker/dockerfile:1
# escape=\\
# build stage
FROM golang:1.22 AS build
ARG VERSION=dev TARGETOS
ENV CGO_ENABLED=0 GOFLAGS="-mod=vendor -trimpath"
ENV LEGACY value with spaces
RUN go build \\
    # a comment inside the continuation is dropped
    -o /app .
COPY --from=build --chown=app:app /app /usr/local/bin/app
RUN <<EOF
set -e
echo heredoc body
EOF

#
# runtime
FROM gcr.io/distroless/static
EXPOSE 8080 9090/udp
USER 65532:65532
HEALTHCHECK --interval=30s CMD ["/app", "health"]
ONBUILD RUN echo onbuild
LABEL org.opencontainers.image.source=https://example.com
ENTRYPOINT ["/usr/local/bin/app"]
"""


def _row(command: dict[str, object]) -> tuple[object, ...]:
    return (command["Cmd"], command["SubCmd"], command["JSON"], command["Flags"],
            command["Value"], command["Stage"])


def test_instructions_follow_buildkits_split() -> None:
    rows = [_row(c) for c in parse_dockerfile(DOCKERFILE)]
    assert rows == [
        ("comment", "", False, None, ["build stage"], 0),
        ("from", "", False, [], ["golang:1.22", "AS", "build"], 0),
        ("arg", "", False, [], ["VERSION=dev", "TARGETOS"], 0),
        ("env", "", False, [], ["CGO_ENABLED", "0", "=", "GOFLAGS",
                                '"-mod=vendor -trimpath"', "="], 0),
        ("env", "", False, [], ["LEGACY", "value with spaces", ""], 0),
        ("run", "", False, [], ["go build     -o /app ."], 0),
        ("copy", "", False, ["--from=build", "--chown=app:app"],
         ["/app", "/usr/local/bin/app"], 0),
        ("run", "", False, [], ["<<EOF"], 0),
        ("comment", "", False, None, ["runtime"], 1),  # the bare "#" forgot the ones above
        ("from", "", False, [], ["gcr.io/distroless/static"], 1),
        ("expose", "", False, [], ["8080", "9090/udp"], 1),
        ("user", "", False, [], ["65532:65532"], 1),
        ("healthcheck", "", True, ["--interval=30s"], ["CMD", "/app", "health"], 1),
        ("onbuild", "RUN", False, [], ["echo onbuild"], 1),
        ("label", "", False, [], ["org.opencontainers.image.source",
                                  "https://example.com", "="], 1),
        ("entrypoint", "", True, [], ["/usr/local/bin/app"], 1),
    ]


@pytest.mark.parametrize(("text", "line", "message"), [
    ("FROM x\nFROOM y\n", 2, "unknown instruction: FROOM"),
    ('FROM x\nRUN ["a", 1]\n', 2, "arrays must be comprised of strings only"),
    ("FROM x\nRUN <<END\necho\n", 2, "unterminated heredoc"),
    ("# just a comment\n", 2, "file with no instructions"),
])
def test_what_buildkit_refuses_is_an_error_with_its_line(text: str, line: int,
                                                         message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile(text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_a_dockerfile_is_one_input_and_its_secrets_are_redacted(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile.prod").write_text(
        "FROM python:3.12\nENV API_TOKEN=tok-Secret123 TZ=UTC\nARG DB_PASSWORD=pw-Secret\n",
        encoding="utf-8")
    parsed = load_file(tmp_path, "Dockerfile.prod")
    assert (parsed.parser, parsed.multiple, parsed.errors) == ("dockerfile", False, ())
    (document,) = parsed.documents
    assert [c["Value"] for c in document.value] == [
        ["python:3.12"], ["API_TOKEN", "<redacted>", "=", "TZ", "UTC", "="],
        ["DB_PASSWORD=<redacted>"]]
