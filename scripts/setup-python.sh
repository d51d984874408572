#!/usr/bin/env bash
# Creates test/interop/.venv with Scouter's own Python client (scouter-ml) for the interop tests. Idempotent.
# scouter-ml 0.13.0 was never published on PyPI; the 0.12.0 wheel is the v0.13.0 release under the wrong version
# number (its pyproject.toml was not bumped). docs/compatibility.md gives the evidence.
# SCOUTER_ML_VERSION overrides the pin (e.g. to try another release by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=test/interop/.venv
version="${SCOUTER_ML_VERSION:-0.12.0}"
installed() {
  "$venv/bin/python" -c "import scouter, importlib.metadata as m; print(m.version('scouter-ml'))" 2>/dev/null
}
if [ -x "$venv/bin/python" ] && [ "$(installed)" = "$version" ]; then
  echo "scouter-ml $version already installed in $venv"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: install Python >= 3.10 with venv" >&2; exit 1; }
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "scouter-ml==$version"
echo "scouter-ml $(installed) installed in $venv"
