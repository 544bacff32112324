#!/usr/bin/env bash
# Prints the path of a CPython 3.13 interpreter, the version of Lambda's python3.13 runtime, installing one if the
# machine has none: the smoke test (tests/smoke) runs the built functions with it, and the vision layer's OpenCV is
# built against it (layers/vision/build-opencv.sh).
#
# Where it looks, in order: PYTHON313 if set; pyenv's 3.13 (this project's machines come with it); python3.13 on
# PATH or in /usr/bin (Debian 13 packages it); else it installs Debian's python3.13 with apt-get. uv's managed
# Pythons are no way out here: `uv python install` downloads them from GitHub, which this machine cannot reach.
set -euo pipefail

is313() { [ -x "$1" ] && "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; }

candidates=("${PYTHON313:-}")
for found in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13; do candidates+=("$found"); done
candidates+=("$(command -v python3.13 2>/dev/null || true)" /usr/bin/python3.13 /usr/local/bin/python3.13)
for candidate in "${candidates[@]}"; do
  if [ -n "$candidate" ] && is313 "$candidate"; then echo "$candidate"; exit 0; fi
done

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-cache show python3.13-venv >/dev/null 2>&1; then
  echo "installing Debian's python3.13" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.13 python3.13-venv python3.13-dev >/dev/null
  if is313 /usr/bin/python3.13; then echo /usr/bin/python3.13; exit 0; fi
fi
echo "ERROR: no python3.13 here (pyenv install 3.13, or a distribution that packages it), or set PYTHON313" >&2
exit 1
