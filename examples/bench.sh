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
harness="$repo/build/examples/bench/xshm-bench"
if [ ! -x "$harness" ] || [ ! -f "$repo/build/gst/libgstxshm.so" ] ||
   [ ! -x "$repo/build/tools/xshm-record" ]; then
  "$repo/scripts/setup.sh" --no-test
elif [ "$repo/examples/bench/xshm_bench.cpp" -nt "$harness" ]; then
  meson compile -C "$repo/build" xshm-bench >/dev/null  # the harness only
fi
exec python3 "$repo/examples/bench.py" "$@"
