#!/usr/bin/env bash
# Creates test/interop/.venv with Scouter's own Python client. scouter-ml 0.13.0 is not published on PyPI;
# 0.12.0 is the closest release that installs (its wheel is built from the same Rust crates; see docs/compatibility.md).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=test/interop/.venv
version="${SCOUTER_ML_VERSION:-0.12.0}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import scouter" >/dev/null 2>&1; then
  echo "scouter-ml already installed in $venv"; exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "scouter-ml==$version"
"$venv/bin/python" -c "import scouter, importlib.metadata as m; print('scouter-ml', m.version('scouter-ml'))"
