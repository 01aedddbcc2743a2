#!/usr/bin/env bash
# Benchmark xshmsrc against ximagesrc and FFmpeg x11grab on private Xvfb
# servers. Options go to examples/bench.py (--quick, --sizes, --rounds, ...).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$repo/build/examples/bench/xshm-bench" ] || [ ! -f "$repo/build/gst/libgstxshm.so" ]; then
  "$repo/scripts/setup.sh" --no-test
fi
exec python3 "$repo/examples/bench.py" "$@"
