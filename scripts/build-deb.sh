#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian package gstreamer1.0-xshm (and its -dbgsym) from the files
# of this checkout, in a scratch copy so the tree stays clean, and puts the
# .deb files in dist/. Usage: scripts/build-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d /tmp/xshm-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/xshm"
# Tracked and new files, not build directories or anything ignored.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  xargs -0 cp --parents -t "$scratch/xshm"

(cd "$scratch/xshm" && dpkg-buildpackage -b -us -uc) > "$scratch/build.log" 2>&1 || {
  tail -40 "$scratch/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed (log above)" >&2
  exit 1
}
mkdir -p dist
rm -f dist/gstreamer1.0-xshm*.deb
mv "$scratch"/gstreamer1.0-xshm*.deb dist/
echo "built:"
ls -l dist/*.deb | sed 's/^/  /'
echo "install: sudo apt-get install ./$(ls dist/gstreamer1.0-xshm_*.deb)"
echo "remove:  sudo apt-get remove gstreamer1.0-xshm"
