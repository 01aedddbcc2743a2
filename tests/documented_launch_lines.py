# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs every example launch line of an element's documentation block.

Usage: documented_launch_lines.py SOURCE.cpp

The lines between |[ and ]| in SOURCE run on a private Xvfb that has what
they name (a monitor HDMI-1, a window titled "firefox") and changing
content; video sinks become fakesink and files land in a scratch directory.
Each must run for two seconds, end cleanly on Ctrl-C (-e), post no error,
and every file it writes must hold decodable video frames.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from xvfb import Xvfb


def launch_lines(source):
    text = open(source).read()
    blocks = re.findall(r"\|\[\n(.*?)\n \* \]\|", text, re.S)
    lines = []
    for block in blocks:
        joined = " ".join(part.strip(" *\\") for part in block.splitlines())
        if joined.startswith("gst-launch-1.0"):
            lines.append(joined)
    return lines


def prepare(xvfb):
    """What the lines name: a monitor HDMI-1, a window titled "firefox", and
    changing content for the content-driven lines."""
    xvfb.run("xrandr", "--setmonitor", "HDMI-1", "640/169x480/127+0+0", "none")
    xvfb.start("xeyes", "-title", "firefox", "-geometry", "300x200+700+100")
    xvfb.start("sh", "-c", "while :; do xsetroot -solid '#203040'; sleep 0.1; "
                           "xsetroot -solid '#406080'; sleep 0.1; done")
    time.sleep(0.5)


def playable_frames(path):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
        capture_output=True, text=True)
    try:
        return int(result.stdout.strip() or 0)
    except ValueError:
        return 0


def run_line(line, display, scratch):
    """Returns "" when the line worked, else what went wrong."""
    line = line.replace("autovideosink", "fakesink")
    line = re.sub(r"location=(\S+)", lambda m: "location=" + os.path.join(scratch, m.group(1)), line)
    files = re.findall(r"location=(\S+)", line)
    args = line.split()
    if "-e" not in args:
        args.insert(1, "-e")
    env = dict(os.environ, DISPLAY=display)
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    time.sleep(2)
    if child.poll() is not None:
        return "ended by itself:\n" + child.stdout.read()
    child.send_signal(signal.SIGINT)
    try:
        output, _ = child.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        return "did not end within 20 s of Ctrl-C"
    if child.returncode != 0 or "ERROR" in output:
        return f"exit status {child.returncode}:\n{output}"
    for path in files:
        frames = playable_frames(path)
        if frames < 2:
            return f"{path} holds {frames} decodable frames"
    return ""


def main():
    source = sys.argv[1]
    lines = launch_lines(source)
    if not lines:
        sys.exit(f"no launch lines found in {source}")
    scratch = tempfile.mkdtemp(prefix="xshm-doc-")
    failures = 0
    try:
        with Xvfb() as xvfb:
            prepare(xvfb)
            for line in lines:
                problem = run_line(line, xvfb.display, scratch)
                print(("ok   " if not problem else "FAIL ") + line)
                if problem:
                    print("     " + problem.replace("\n", "\n     "))
                    failures += 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{len(lines) - failures} of {len(lines)} documented launch lines work")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
