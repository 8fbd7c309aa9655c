#!/bin/bash
# Build Binder's environment here, from exactly the files repo2docker reads:
# a clean Python venv (version from binder/runtime.txt), then
# `pip install -r binder/requirements.txt`, then binder/postBuild run at the
# repository root with the venv first on PATH, as repo2docker runs it.
# Then check it: pip resolved nothing beyond the pins (and postBuild's MXNet),
# `pip check` finds nothing but MXNet's stale numpy < 2, MXNet's shared
# libraries all resolve, the doctor finds the environment ready, and every
# d2lrnn module imports.
# tests/browser/test_binder_env.py opens every chapter in its JupyterLab.
#
#   bash binder/verify.sh            # builds .binder-venv (BINDER_VENV=... to move it)
#   PIP_NO_CACHE_DIR=1 bash binder/verify.sh   # as repo2docker does: no pip cache
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BINDER_VENV:-.binder-venv}
version=$(sed -n 's/^python-\([0-9]*\.[0-9]*\).*/\1/p' binder/runtime.txt)
PYTHON=${BINDER_PYTHON:-$(command -v "python$version" || true)}
[ -n "$PYTHON" ] || { echo "binder/runtime.txt asks for Python $version: no python$version here"; exit 1; }

start=$(date +%s)
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r binder/requirements.txt
PATH="$PWD/$VENV/bin:$PATH" VIRTUAL_ENV="$PWD/$VENV" binder/postBuild >/dev/null
seconds=$(($(date +%s) - start))

# pip installed exactly the pinned set and postBuild's MXNet (nothing resolved on top),
# and it is consistent but for MXNet's own metadata, which asks numpy < 2.
norm() { grep -v '^\s*#' | grep . | tr 'A-Z_.' 'a-z--' | sort; }
extra=$(comm -13 <({ cat binder/requirements.txt; echo mxnet==1.9.1; } | norm) <("$VENV/bin/python" -m pip freeze --exclude-editable | norm))
[ -z "$extra" ] || { echo "pip installed packages that binder/ does not pin:"; echo "$extra"; exit 1; }
problems=$("$VENV/bin/python" -m pip check --disable-pip-version-check | grep -v '^mxnet 1.9.1 has requirement numpy<2.0.0' || true)
[ -z "$problems" ] || { echo "pip check:"; echo "$problems"; exit 1; }
"$VENV/bin/python" -c "import sys; assert sys.version.startswith('$version.'), sys.version"

# Every shared library MXNet loads is found (binder/apt.txt names the ones from Debian/Ubuntu).
lib=$("$VENV/bin/python" -c "import importlib.util as u; print(u.find_spec('mxnet').submodule_search_locations[0])")/libmxnet.so
if ldd "$lib" | grep -q 'not found'; then
  echo "MXNet's libraries that are not found (add their packages to binder/apt.txt):"
  ldd "$lib" | grep 'not found'
  exit 1
fi
# Every d2lrnn module imports: a dependency missing from pyproject.toml shows here.
"$VENV/bin/python" - <<'PY'
import importlib, pkgutil
import d2lrnn, ipywidgets, jupytext, sacrebleu  # noqa: F401
assert d2lrnn.doctor().ready
for m in pkgutil.walk_packages(d2lrnn.__path__, "d2lrnn."):
    importlib.import_module(m.name)
print("imports ok")
PY

echo "$seconds" >"$VENV/.build-seconds"
touch "$VENV/.built"
echo "binder environment built in ${seconds}s: $(du -sh "$VENV" | cut -f1) in $VENV"
