#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark xshmsrc against ximagesrc and FFmpeg x11grab on private Xvfb servers:
# the capture table (unthrottled capture, CPU per frame), the recording table
# (H.264 recording at 30 fps, CPU per recorded second and frames written) and the
# conversion table (I420 at 30 fps: xshmsrc format=I420 against videoconvert and
# FFmpeg -pix_fmt yuv420p, client CPU per frame).
# All three by default; --only capture|recording|conversion (or --recording) runs one.
# Options go to examples/bench.py (--quick, --sizes, --rounds, ...; see --help).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# Build first where nothing is built; else bring every target up to date (the
# plugin, xshm-record and the harness measured), which costs nothing when it is.
if [ ! -f "$repo/build/build.ninja" ]; then
  "$repo/scripts/setup.sh" --no-test
else
  meson compile -C "$repo/build" >/dev/null
fi
exec python3 "$repo/examples/bench.py" "$@"
