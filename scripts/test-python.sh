#!/usr/bin/env bash
# Runs the Python test suite (tools/**/tests) with Debian's /usr/bin/python3, which has torch.
# Fails when pytest fails or collects no tests (pytest exit code 5).
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
PY=${AUDIOMAP_PYTHON:-/usr/bin/python3}
export PYTHONPATH="$REPO_ROOT/tools/export${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
set +e
"$PY" -m pytest tools -q -rs -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "test-python: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
