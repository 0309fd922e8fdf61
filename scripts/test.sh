#!/usr/bin/env bash
# Set up what is missing, then run the test suite: on a fresh machine this one command is
# enough. When the full install (scripts/install.sh full: every env family's packages,
# system packages, vLLM's CPU build, the test tools) has not run for this Python and this
# pyproject.toml / install.sh, or a package or command it provides is missing, it runs
# first (non-interactive; quick to skip when everything is there). Starts a Docker engine
# for the docker-sandbox tests when none answers (and stops the one it started); extra
# arguments go to pytest. AGENTRL_NO_INSTALL=1 skips the set-up check.
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ "${AGENTRL_NO_INSTALL:-0}" != 1 ]]; then
    bash scripts/ensure_installed.sh </dev/null || exit $?
fi
started=0
if command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; then
    bash scripts/start_dockerd.sh && started=1
fi
python -m pytest -q -p no:cacheprovider "$@"
status=$?
if [[ $started == 1 ]]; then
    bash scripts/start_dockerd.sh stop
fi
exit $status
