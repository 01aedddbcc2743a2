#!/usr/bin/env bash
# Records the screen to a file with xshmsrc.
#   ./record.sh [-o FILE] [-t SECONDS] [xshmsrc property=value ...]
# Without $DISPLAY it records a private virtual X server showing moving content.
set -euo pipefail
repo="$(cd "$(dirname "$0")" && pwd)"
output="screen.mkv"
seconds=""
props=()
while (($#)); do
  case "$1" in
    -o) output="$2"; shift 2 ;;
    -t) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) props+=("$1"); shift ;;
  esac
done

if [ ! -f "$repo/build/gst/libgstxshm.so" ]; then
  echo "building xshm first (scripts/setup.sh --no-test)..."
  "$repo/scripts/setup.sh" --no-test
fi
export GST_PLUGIN_PATH="$repo/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  # A private X server with something moving on it.
  numfile="$(mktemp)"
  Xvfb -displayfd 3 -noreset -nolisten tcp -screen 0 1280x720x24 3>"$numfile" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$numfile" ] && break; sleep 0.1; done
  [ -s "$numfile" ] || { echo "Xvfb did not start" >&2; exit 1; }
  export DISPLAY=":$(head -n1 "$numfile")"
  rm -f "$numfile"
  gst-launch-1.0 -q videotestsrc pattern=ball is-live=true \
    ! video/x-raw,width=1280,height=720,framerate=30/1 ! ximagesink >/dev/null 2>&1 &
  pids+=($!)
  sleep 1
  seconds="${seconds:-5}"
  echo "no \$DISPLAY: recording private X server $DISPLAY for ${seconds}s"
fi

gst-launch-1.0 -e xshmsrc "${props[@]}" ! videoconvert \
  ! x264enc speed-preset=ultrafast tune=zerolatency \
  ! matroskamux ! filesink location="$output" &
launch=$!
if [ -n "$seconds" ]; then
  sleep "$seconds"
  kill -INT "$launch" 2>/dev/null || true   # EOS: the file is finalized
else
  echo "recording to $output, Ctrl-C to stop"
  trap 'kill -INT $launch 2>/dev/null || true' INT
fi
status=0
wait "$launch" || status=$?
[ $status -eq 0 ] || { echo "recording failed (exit $status)" >&2; exit $status; }
echo "wrote $output ($(du -h "$output" | cut -f1))"
ffprobe -v error -show_entries format=duration:stream=codec_name,width,height,nb_read_frames \
  -count_frames -of default=noprint_wrappers=1 "$output"
