#!/usr/bin/env bash
# Run the test suite. Starts a Docker engine for the docker-sandbox tests when none answers
# (and stops the one it started); extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
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
