#!/bin/sh
# Installs Second-O Workstation from this folder: the application into PREFIX/lib/secondo,
# `secondo` into PREFIX/bin, the menu entry, the icons and the .sodp file type.
# As root: PREFIX=/usr/local (for every user); else PREFIX=~/.local (for you). Run it again to
# update; `./install.sh --uninstall` removes it all.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" = 0 ]; then PREFIX="${PREFIX:-/usr/local}"; else PREFIX="${PREFIX:-$HOME/.local}"; fi
SHARE="$PREFIX/share"
remove() {
  rm -rf "$PREFIX/lib/secondo" "$PREFIX/bin/secondo" "$SHARE/applications/secondo.desktop" \
         "$SHARE/mime/packages/secondo.xml"
  for size in 16 24 32 48 64 128 256 512; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/secondo.png"; done
}
refresh() {
  command -v update-mime-database >/dev/null && update-mime-database "$SHARE/mime" || true
  command -v update-desktop-database >/dev/null && update-desktop-database "$SHARE/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}
if [ "${1:-}" = "--uninstall" ]; then remove; refresh; echo "Second-O Workstation removed from $PREFIX"; exit 0; fi
remove
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$SHARE/applications" "$SHARE/mime/packages"
cp -a "$HERE/secondo" "$PREFIX/lib/secondo"
ln -s "$PREFIX/lib/secondo/secondo" "$PREFIX/bin/secondo"
cp "$HERE/share/applications/secondo.desktop" "$SHARE/applications/"
cp "$HERE/share/mime/packages/secondo.xml" "$SHARE/mime/packages/"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
  cp "$HERE/share/icons/hicolor/${size}x${size}/apps/secondo.png" "$SHARE/icons/hicolor/${size}x${size}/apps/"
done
refresh
echo "Second-O Workstation installed in $PREFIX (run: secondo, or from the menu)"
