#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package as a user meets it: builds it (scripts/build-deb.sh),
# installs it with apt-get, and with no GST_PLUGIN_PATH, a fresh registry and a
# private Xvfb painted one colour checks the plugin and xshm-record; then
# removes it again (unless it was installed before). Prints one line per check
# and "package: N passed, N failed"; exits 1 when a check failed. With
# XSHM_RESULTS=FILE each check is also appended to FILE as a JSON line.
# Usage: scripts/package-check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
unset GST_PLUGIN_PATH GST_PLUGIN_PATH_1_0 DISPLAY
work=$(mktemp -d /tmp/xshm-smoke.XXXXXX)
export GST_REGISTRY="$work/registry.bin"
plugin=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)/gstreamer-1.0/libgstxshm.so
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
passed=0 failed=0
check() { # description, then a command that succeeds when the check passes
  local what="$1" result=OK
  shift
  if "$@" > "$work/check.log" 2>&1; then
    echo "ok   $what"
    passed=$((passed + 1))
  else
    echo "FAIL $what"
    sed 's/^/     /' "$work/check.log" | tail -15
    failed=$((failed + 1))
    result=FAIL
  fi
  [ -z "${XSHM_RESULTS:-}" ] ||
    python3 -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "result": sys.argv[2]}))' \
      "package: $what" "$result" >> "$XSHM_RESULTS"
}

xvfb_pid=
finish() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2> /dev/null
  rm -rf "$work"
}
trap finish EXIT

was_installed=0
dpkg-query -W -f='${Status}' gstreamer1.0-xshm 2> /dev/null | grep -q "install ok installed" &&
  was_installed=1
deb=
build_package() {
  scripts/build-deb.sh &&
    deb=$(ls dist/gstreamer1.0-xshm_*_"$(dpkg --print-architecture)".deb) &&
    dpkg-deb -f "$deb" Depends | grep -q libgstreamer1.0-0
}
install_package() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --reinstall "./$deb"; }
remove_package() {
  DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y gstreamer1.0-xshm &&
    [ ! -e "$plugin" ] && [ ! -e /usr/bin/xshm-record ] &&
    ! gst-inspect-1.0 xshmsrc
}

installed_where_gstreamer_looks() {
  dpkg-query -W -f='${Status}\n' gstreamer1.0-xshm | grep -q "install ok installed" &&
    gst-inspect-1.0 xshmsrc > "$work/inspect.txt" &&
    [ "$(readlink -f "$(awk '/Filename/ {print $2}' "$work/inspect.txt")")" = "$(readlink -f "$plugin")" ] &&
    grep -q "Binary package *xshm (Debian package gstreamer1.0-xshm)" "$work/inspect.txt"
}
plugin_is_stripped() { ! readelf -S "$plugin" | grep -q -e '\.symtab' -e '\.debug_info'; }
# From the .deb: images that exclude /usr/share/man from dpkg would hide it.
man_page_is_there() { dpkg-deb -c "$deb" | grep -q 'usr/share/man/man1/xshm-record.1.gz$'; }

start_xvfb() {
  exec {fd}<> <(:)
  # -noreset: the server would clear the screen when xsetroot disconnects.
  Xvfb -displayfd "$fd" -screen 0 320x240x24 -nolisten tcp -noreset > "$work/xvfb.log" 2>&1 &
  xvfb_pid=$!
  read -r -t 10 -u "$fd" number || { echo "Xvfb did not start"; return 1; }
  display=":$number"
  DISPLAY=$display xsetroot -solid '#336699'
}

# One frame through gst-launch-1.0: every pixel the painted colour (BGRx).
one_frame_is_the_painted_colour() {
  gst-launch-1.0 -q xshmsrc display-name="$display" show-pointer=false num-buffers=1 \
    ! video/x-raw,format=BGRx ! filesink location="$work/frame.bgrx" &&
    python3 - "$work/frame.bgrx" << 'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert len(data) == 320 * 240 * 4, f"{len(data)} bytes, expected {320 * 240 * 4}"
pixels = {data[i:i + 3] for i in range(0, len(data), 4)}
assert pixels == {bytes([0x99, 0x66, 0x33])}, f"colours found: {sorted(p.hex() for p in pixels)[:5]}"
PY
}

# xshm-record -t 2: a file that lasts two seconds and shows the colour.
two_second_recording() {
  DISPLAY=$display xshm-record -q -t 2 -o "$work/rec.mkv" &&
    duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/rec.mkv") &&
    python3 -c "import sys; d = float('$duration'); sys.exit(0 if 1.8 <= d <= 2.4 else f'duration {d} s')" &&
    ffmpeg -v error -i "$work/rec.mkv" -frames:v 1 -f rawvideo -pix_fmt rgb24 "$work/first.rgb" &&
    python3 - "$work/first.rgb" << 'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert len(data) == 320 * 240 * 3, f"{len(data)} bytes"
# RGB -> BT.601 4:2:0 (libyuv's fixed-point coefficients) -> H.264 -> RGB
# moves a channel by a few levels; a wrong colour or matrix moves it further.
for channel, want in enumerate((0x33, 0x66, 0x99)):
    mean = sum(data[channel::3]) / (320 * 240)
    assert abs(mean - want) <= 6, f"channel {channel} averages {mean:.1f}, painted {want}"
PY
}

check "dpkg-buildpackage -b builds the .deb, Depends from shlibs" build_package
check "apt-get install ./dist/…deb" install_package
check "package installed, gst-inspect-1.0 finds xshmsrc in $plugin" installed_where_gstreamer_looks
check "installed plugin is stripped" plugin_is_stripped
check "the package carries the xshm-record man page" man_page_is_there
check "a private Xvfb painted #336699" start_xvfb
check "gst-launch-1.0 xshmsrc: one frame, every pixel #336699" one_frame_is_the_painted_colour
check "xshm-record -t 2: a 2 s Matroska file showing #336699" two_second_recording
[ -n "$xvfb_pid" ] && kill "$xvfb_pid" && xvfb_pid=
((was_installed)) || check "apt-get remove takes it all away" remove_package
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
