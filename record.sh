#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Records the screen with xshm-record (build/tools/xshm-record, built first if
# needed). Arguments go to xshm-record (./record.sh --help lists them); without
# a file name it writes screen.mkv (replacing it). Without $DISPLAY it starts a
# private X server showing a moving ball and records 5 s of it (or -t SECONDS).
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
recorder="$repo/build/tools/xshm-record"
if [ ! -x "$recorder" ] || [ ! -f "$repo/build/gst/libgstxshm.so" ]; then
  echo "building xshm first (scripts/setup.sh --no-test)..." >&2
  "$repo/scripts/setup.sh" --no-test >&2
fi
export GST_PLUGIN_PATH="$repo/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

args=("$@")
has_file=0 has_duration=0
for a in "$@"; do
  case "${a,,}" in # extensions in any case, as xshm-record reads them
    *.mkv|*.mp4|*.webm|-o|--output|--output=*) has_file=1 ;;
    -t|--duration|--duration=*) has_duration=1 ;;
    -h|--help|--list-monitors|--list-windows) has_file=1 ;;
  esac
done
((has_file)) || args+=(-y screen.mkv)

if [ -z "${DISPLAY:-}" ]; then
  # A private X server with something moving on it, gone when the recorder is.
  numfile="$(mktemp)"
  Xvfb -displayfd 3 -noreset -nolisten tcp -screen 0 1280x720x24 3>"$numfile" 2>/dev/null &
  xvfb=$!
  for _ in $(seq 100); do [ -s "$numfile" ] && break; sleep 0.1; done
  [ -s "$numfile" ] || { echo "Xvfb did not start" >&2; kill "$xvfb"; exit 1; }
  export DISPLAY=":$(head -n1 "$numfile")"
  rm -f "$numfile"
  gst-launch-1.0 -q videotestsrc pattern=ball is-live=true \
    ! video/x-raw,width=1280,height=720,framerate=30/1 ! ximagesink >/dev/null 2>&1 &
  painter=$!
  recorder_pid=$$
  ( while kill -0 "$recorder_pid" 2>/dev/null; do sleep 0.5; done
    kill "$painter" "$xvfb" 2>/dev/null ) >/dev/null 2>&1 &
  sleep 1
  ((has_duration)) || args=(-t 5 "${args[@]}")
  echo "no \$DISPLAY: recording the private X server $DISPLAY" >&2
fi

# exec: Ctrl-C, SIGTERM and SIGHUP reach the recorder itself, which finishes the file.
exec "$recorder" "${args[@]}"
