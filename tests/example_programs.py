# SPDX-License-Identifier: LGPL-2.1-or-later
"""The example programs, run as a user runs them.

Usage: example_programs.py numpy NUMPY_FRAMES_PY
       example_programs.py missing-plugin NUMPY_FRAMES_PY XSHM_APPSINK XSHM_RECORD
"""
import os
import re
import subprocess
import sys
import tempfile

from xvfb import Xvfb

PAINTED = (0x33, 0x66, 0x99)


def numpy_frames(script):
    """Frames are read-only views of memfd slots, holding max-slots of them
    makes capture wait, the released slot is the one used next,
    the NumPy mean is the painted colour, and the ximagesrc timing runs."""
    with Xvfb("1280x720x24") as xvfb:
        xvfb.run("xsetroot", "-solid", "#%02x%02x%02x" % PAINTED)
        result = subprocess.run(
            ["/usr/bin/python3", script, "--display", xvfb.display, "--check", "--compare",
             "--seconds", "1"], capture_output=True, text=True, timeout=120)
    print(result.stdout + result.stderr)
    assert result.returncode == 0, f"exit status {result.returncode}"
    out = result.stdout
    assert re.search(r"1280x720 BGRx at 0x[0-9a-f]+, read-only=True, mapped from /memfd:xshm-slot",
                     out), "the frame is not a read-only view of a memfd slot"
    assert re.search(r"holding 8 frames: capture waits \(xshmsrc warns: .*\)", out), \
        "holding max-slots frames did not make capture wait with a warning"
    assert re.search(r"the next frame is in its slot 0x[0-9a-f]+: True", out)
    painted = "R/G/B " + "/".join(str(c) for c in PAINTED)
    for source in ("xshmsrc", "ximagesrc"):
        line = next((l for l in out.splitlines() if l.startswith(source + ":")), "")
        assert painted in line, f"{source} line does not show the painted colour: {line!r}"
    assert re.search(r"xshmsrc takes \d+\.\d\dx the time of ximagesrc per frame: (faster|slower|the same)",
                     out), "no comparison line"


def missing_plugin(script, appsink, recorder):
    """Without the plugin on the path both examples say so, in one line, and
    the recorder names the element and where it comes from, writing nothing."""
    expected = "xshmsrc not found: build it or set GST_PLUGIN_PATH"
    with tempfile.TemporaryDirectory() as scratch, Xvfb("320x240x24") as xvfb:
        env = dict(os.environ, GST_PLUGIN_PATH="", GST_PLUGIN_SYSTEM_PATH="/nonexistent",
                   GST_REGISTRY=os.path.join(scratch, "registry.bin"))
        out = os.path.join(scratch, "out.mkv")
        result = subprocess.run([recorder, "--display", xvfb.display, "-t", "1", out], env=env,
                                capture_output=True, text=True, timeout=60)
        print("xshm-record", result.returncode, result.stderr.strip())
        assert result.returncode == 2, f"xshm-record: exit status {result.returncode}"
        assert "the GStreamer element 'xshmsrc' is not installed (the xshm plugin: install its " \
               "package gstreamer1.0-xshm" in result.stderr, result.stderr
        assert not os.path.exists(out), "xshm-record left a file"
        for program in (["/usr/bin/python3", script], [appsink]):
            result = subprocess.run(program, env=env, capture_output=True, text=True,
                                    timeout=60)
            print(program[-1], result.returncode, result.stderr.strip())
            assert result.returncode == 1, f"{program[-1]}: exit status {result.returncode}"
            assert result.stderr.strip().startswith(expected), f"{program[-1]}: {result.stderr!r}"
            assert "CRITICAL" not in result.stderr


if __name__ == "__main__":
    checks = {"numpy": numpy_frames, "missing-plugin": missing_plugin}
    checks[sys.argv[1]](*sys.argv[2:])
    print("ok")
