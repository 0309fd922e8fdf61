#!/usr/bin/env bash
# The documentation site (mkdocs.yml, docs/), generated references included.
#   scripts/docs.sh serve [ADDR]   serve it at http://127.0.0.1:8000 (or ADDR, e.g. 0.0.0.0:8000),
#                                  rebuilt as you edit
#   scripts/docs.sh build          mkdocs build --strict into build/site/ (a broken link fails)
# Needs the docs tools: pip install -e ".[docs]" (scripts/install.sh full has them).
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1
if ! python -c "import mkdocs, material, mkdocstrings_handlers.python" 2>/dev/null; then
    echo "docs.sh: the docs tools are missing; install them with: pip install -e '.[docs]'" >&2
    exit 2
fi
case "${1:-serve}" in
    serve) python -m mkdocs serve --strict -a "${2:-127.0.0.1:8000}" ;;
    build) python -m mkdocs build --strict -d build/site && echo "docs.sh: site in build/site/index.html" ;;
    *) echo "usage: bash scripts/docs.sh [serve [ADDR] | build]" >&2; exit 2 ;;
esac
