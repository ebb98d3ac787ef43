#!/usr/bin/env bash
# The PR check (docs/pr-check.md): make the merge-base reachable, run `scan --diff`, write
# every report, and record the scan's exit code. Used by action.yml; runs anywhere with git.
#
# Every input comes from the environment (never interpolated into this script's text, so a
# branch name or path cannot inject shell):
#   GC_BASE          base branch name (required; in Actions: github.base_ref)
#   GC_REMOTE        remote to fetch it from (default: origin)
#   GC_PATHS         scan paths, one per line (default: .)
#   GC_NEW_ONLY      "true" (default): findings already failing at the merge-base do not block
#   GC_FAIL_ON       --fail-on value (default: the config's)
#   GC_SARIF         SARIF file to write (default: gitops-compliance.sarif)
#   GC_JUNIT         JUnit file to write (default: none)
#   GC_FETCH         "true" (default): fetch/deepen history until the merge-base exists
#   GC_DEEPEN_STEP   commits fetched per deepening round (default: 100; then --unshallow)
#   GC_CLI           the command (default: gitops-compliance)
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, RUNNER_TEMP: set by GitHub Actions (optional here)
# Exit status: the scan's (0 compliant, 1 blocked, 2 invalid, 3 incomplete); also written as
# `exit-code=N` to $GITHUB_OUTPUT so the action can upload reports before failing the job.
set -uo pipefail

base=${GC_BASE:-}
remote=${GC_REMOTE:-origin}
step=${GC_DEEPEN_STEP:-100}
cli=${GC_CLI:-gitops-compliance}
sarif=${GC_SARIF:-gitops-compliance.sarif}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

log() { printf 'pr-check: %s\n' "$*" >&2; }

finish() {
  local code=$1
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf 'exit-code=%s\n' "$code" >>"$GITHUB_OUTPUT"
  fi
  exit "$code"
}

if [[ -z $base ]]; then
  log "GC_BASE is empty: which branch does the pull request merge into? (github.base_ref)"
  finish 2
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  log "not inside a git repository"
  finish 2
fi

base_ref="refs/remotes/$remote/$base"
refspec="+refs/heads/$base:$base_ref"

has_merge_base() { git merge-base HEAD "$base_ref" >/dev/null 2>&1; }

if [[ ${GC_FETCH:-true} == true ]]; then
  # A shallow clone (actions/checkout's default fetch-depth: 1) has no merge-base: fetch the
  # base branch, then deepen both sides a step at a time, and finally fetch everything.
  if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
    git fetch --quiet --no-tags --depth="$step" "$remote" "$refspec" || log "fetch of $base failed"
    rounds=0
    while ! has_merge_base && [[ $(git rev-parse --is-shallow-repository) == true ]] \
        && (( rounds < 5 )); do
      git fetch --quiet --no-tags --deepen="$step" "$remote" "$refspec" || break
      rounds=$((rounds + 1))
    done
    if ! has_merge_base && [[ $(git rev-parse --is-shallow-repository) == true ]]; then
      git fetch --quiet --no-tags --unshallow "$remote" "$refspec" || log "unshallow failed"
    fi
  else
    git fetch --quiet --no-tags "$remote" "$refspec" || log "fetch of $base failed"
  fi
fi
# No merge-base even now (unrelated histories, fetching off): the scan itself says
# "merge-base not found" and exits 2 -- never "everything is new".

# The text report goes to a folder of this run's own: a stale report of an earlier run (or
# of a concurrent job on the same host) must never be printed as this one's.
report_dir=$(mktemp -d "$tmp/gitops-compliance.XXXXXX") || { log "cannot create a temporary folder in $tmp"; finish 2; }
trap 'rm -rf "$report_dir"' EXIT
report="$report_dir/report.txt"

paths=()
while IFS= read -r line; do
  [[ -n $line ]] && paths+=("$line")
done <<<"${GC_PATHS:-.}"

args=(scan "${paths[@]}" --diff "$base_ref" -o "sarif=$sarif" -o github
      -o "text=$report")
[[ ${GC_NEW_ONLY:-true} == true ]] && args+=(--new-only)
[[ -n ${GC_FAIL_ON:-} ]] && args+=(--fail-on "$GC_FAIL_ON")
[[ -n ${GC_JUNIT:-} ]] && args+=(-o "junit=$GC_JUNIT")
if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  # A step summary holds 1 MiB (a PR comment only 64 KiB, the default cap).
  args+=(-o "markdown=$GITHUB_STEP_SUMMARY" --markdown-limit 1048576)
fi

log "running: $cli ${args[*]}"
"$cli" "${args[@]}"
code=$?

# The human report, in the log. It holds text from the pull request: stop GitHub from
# reading workflow commands in it while it is printed.
if [[ -f $report ]]; then
  # An unguessable token: the report cannot contain the line that resumes commands.
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '::stop-commands::%s\n' "$token"
  cat "$report"
  printf '::%s::\n' "$token"
fi
log "scan exit code: $code"
finish "$code"
