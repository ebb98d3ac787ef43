#!/usr/bin/env bash
# The README's test command: install the dev and pdf extras and the OPA oracle, lint,
# type-check, test. (The pdf extra is WeasyPrint; it needs the system's Pango, which
# Debian and Ubuntu ship: without it the PDF tests skip, and fail under CI=true.)
# Runs in whatever Python environment is active (a fresh virtualenv is recommended).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -m pip install -q -e '.[dev,pdf]'
# Real OPA's Go engine, the oracle for the differential tests (DESIGN.md §9). Its metadata
# says Python >= 3.14 but it works from 3.11; pip cannot express this flag inside an extra.
"$PY" -m pip install -q --ignore-requires-python 'opa-golib-python-bindings==0.4.4'
"$PY" -m ruff check .
"$PY" -m mypy
"$PY" -m pytest "$@"
