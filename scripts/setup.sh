#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for the workstation: the system libraries Qt needs,
# a virtual environment in .venv and the project in it. Safe to run again: it only does
# what is missing. Sourced by scripts/demo, scripts/test and scripts/bench.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SECONDO_VENV:-$ROOT/.venv}"

# Qt (PySide6) at run time, a real window under Xvfb, and the tools the tests call.
APT_PACKAGES="python3 python3-venv python3-pip libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1
 libfreetype6 libglib2.0-0 libxkbcommon0 xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0
 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 openssl
 poppler-utils qpdf fonts-dejavu-core softhsm2 xorriso binutils desktop-file-utils dcmtk
 tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-eng"

missing=""
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages:$missing" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: these system packages are missing; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment in $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# Reinstall only when the project's dependencies changed.
stamp="$VENV/.secondo-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the project and its dependencies into $VENV" >&2
  log="$VENV/pip-install.log"
  if ! "$VENV/bin/python" -m pip install -e "$ROOT[test]" >"$log" 2>&1; then
    tail -30 "$log" >&2; echo "setup: pip install failed; the whole log is in $log" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
# The compiled message catalogues (resources/i18n/<lang>/LC_MESSAGES/secondo.mo), made afresh
# whenever a .po is newer than its .mo.
for po in "$ROOT"/resources/i18n/*/LC_MESSAGES/secondo.po; do
  [ -f "$po" ] || continue
  if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
    "$ROOT/scripts/i18n" compile >&2; break
  fi
done
