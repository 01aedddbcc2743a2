#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Screen frames from xshmsrc as NumPy arrays, without a copy.

    examples/numpy_frames.py [--display :0] [--seconds 3] [--max-slots 8] [--compare] [--check]

Each frame is a read-only NumPy view of the shared-memory slot the X server
wrote it into: nothing is copied between the server and your array. The slot
goes back to xshmsrc's pool when the frame is released (the array deleted,
the buffer unmapped, the sample dropped). Holding frames holds slots: when all
`max-slots` are held, capture waits (and xshmsrc warns after half a second).

The workload is the one python-mss users know: grab the whole screen, reduce
its pixels with NumPy (the mean colour). --compare times it with ximagesrc in
the same run; --check makes the zero-copy facts assertions (for the tests).
Needs python3-gst-1.0, gir1.2-gst-plugins-base-1.0 and python3-numpy.
"""
import argparse
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import Gst, GstApp  # noqa: E402

import numpy as np  # noqa: E402


class Frame:
    """One captured frame: `pixels` views its slot until release()."""

    def __init__(self, sample):
        self.sample = sample
        buffer = sample.get_buffer()
        caps = sample.get_caps().get_structure(0)
        width, height = caps.get_value("width"), caps.get_value("height")
        self._mapping = buffer.map(Gst.MapFlags.READ)  # a memoryview of the slot
        stride = buffer.get_size() // height  # the server's row length, padding included
        self.pixels = np.ndarray((height, width, 4), np.uint8, buffer=self._mapping.data,
                                 strides=(stride, 4, 1))

    @property
    def address(self):
        return self.pixels.__array_interface__["data"][0]

    def release(self):
        """Gives the slot back: after this, `pixels` is gone."""
        self.pixels = None  # the memoryview must have no user left to be unmapped
        self.sample.get_buffer().unmap(self._mapping)
        self.sample = None


def mapping_name(address):
    """What /proc/self/maps says is mapped at `address` (the slot's memory)."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(edge, 16) for edge in fields[0].split("-"))
            if start <= address < end:
                return fields[5] if len(fields) > 5 else "anonymous memory"
    return "nothing"


def start(source_description):
    # framerate 10000/1: a pace that never binds, so frames come as fast as grabbed.
    pipeline = Gst.parse_launch(
        source_description + " ! video/x-raw,format=BGRx,framerate=10000/1 "
        "! appsink name=sink max-buffers=1 sync=false")
    sink = pipeline.get_by_name("sink")
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        sys.exit("cannot start capturing: " + bus_error(pipeline))
    return pipeline, sink


def bus_error(pipeline):
    message = pipeline.get_bus().timed_pop_filtered(Gst.SECOND, Gst.MessageType.ERROR)
    return message.parse_error()[0].message if message else "no error message"


def pull(pipeline, sink):
    sample = sink.try_pull_sample(5 * Gst.SECOND)
    if sample is None:
        sys.exit("no frame within 5 s: " + bus_error(pipeline))
    return Frame(sample)


def show_zero_copy(frame, check):
    """The array's memory is the slot's: a read-only view of the shared mapping."""
    address, name = frame.address, mapping_name(frame.address)
    print(f"frame {frame.pixels.shape[1]}x{frame.pixels.shape[0]} BGRx at 0x{address:x}, "
          f"read-only={not frame.pixels.flags.writeable}, mapped from {name}")
    if check:
        assert "xshm-slot" in name or "SYSV" in name, f"array is not in a shared slot: {name}"
        assert not frame.pixels.flags.writeable, "the array should be read-only"
        again = frame.sample.get_buffer().map(Gst.MapFlags.READ)
        assert np.frombuffer(again.data, np.uint8).__array_interface__["data"][0] == address, \
            "a second map of the same buffer gave another address: a copy"
        frame.sample.get_buffer().unmap(again)


def show_slots_held_and_returned(pipeline, sink, max_slots, check):
    """Holds frames until capture waits for a slot, then releases one."""
    held = []
    while len(held) <= max_slots:
        sample = sink.try_pull_sample(Gst.SECOND)  # frames come every millisecond or so
        if sample is None:
            break
        held.append(Frame(sample))
    warning = pipeline.get_bus().timed_pop_filtered(0, Gst.MessageType.WARNING)
    print(f"holding {len(held)} frames: capture waits"
          + (f" (xshmsrc warns: {warning.parse_warning()[0].message})" if warning else ""))
    if check:
        assert len(held) == max_slots, f"held {len(held)} frames with max-slots={max_slots}"
    returned = held.pop(0)
    address = returned.address
    returned.release()
    frame = pull(pipeline, sink)
    print(f"released the first: the next frame is in its slot 0x{address:x}: "
          f"{frame.address == address}")
    if check:
        assert frame.address == address, "the released slot was not the one used next"
    for each in held + [frame]:
        each.release()


def mean_colour(pixels):
    """B, G, R means; column sums first keep NumPy on its fast contiguous path."""
    height, width = pixels.shape[:2]
    return pixels.sum(axis=0, dtype=np.uint32).sum(axis=0)[:3] / (width * height)


def timed_workload(pipeline, sink, seconds, label):
    """Grab + mean colour for `seconds`; prints a frames-per-second line."""
    frames, began, colour = 0, time.monotonic(), None
    while time.monotonic() - began < seconds:
        frame = pull(pipeline, sink)
        colour = mean_colour(frame.pixels)
        frame.release()
        frames += 1
    elapsed = time.monotonic() - began
    print(f"{label}: {frames / elapsed:6.1f} frames/s, {1000 * elapsed / frames:5.2f} ms per "
          f"frame (grab the whole screen + NumPy mean colour "
          f"R/G/B {'/'.join(f'{c:.0f}' for c in colour[::-1])})")
    return elapsed / frames


def run(source, seconds):
    pipeline, sink = start(source)
    try:
        return timed_workload(pipeline, sink, seconds, source.split()[0])
    finally:
        pipeline.set_state(Gst.State.NULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--display", default="", help="X display, e.g. :0 (default $DISPLAY)")
    parser.add_argument("--seconds", type=float, default=3, help="how long to time (default 3)")
    parser.add_argument("--max-slots", type=int, default=8, help="xshmsrc max-slots (default 8)")
    parser.add_argument("--compare", action="store_true", help="time ximagesrc too")
    parser.add_argument("--check", action="store_true", help="assert the zero-copy facts")
    args = parser.parse_args()
    Gst.init(None)
    if Gst.ElementFactory.find("xshmsrc") is None:
        sys.exit("xshmsrc not found: build it or set GST_PLUGIN_PATH "
                 "(e.g. GST_PLUGIN_PATH=build/gst), or install the package")
    display = f" display-name={args.display}" if args.display else ""
    # Every frame a whole-screen grab on both sides (no damage shortcuts), no pointer.
    common = display + " use-damage=false show-pointer=false"

    pipeline, sink = start(f"xshmsrc max-slots={args.max_slots}" + common)
    try:
        first = pull(pipeline, sink)
        show_zero_copy(first, args.check)
        first.release()
        show_slots_held_and_returned(pipeline, sink, args.max_slots, args.check)
    finally:
        pipeline.set_state(Gst.State.NULL)
    ours = run("xshmsrc" + common, args.seconds)
    if args.compare:
        theirs = run("ximagesrc" + common, args.seconds)
        ratio = ours / theirs
        verdict = ("faster" if ratio < 0.95 else "slower" if ratio > 1.05 else
                   "the same within 5 % (the X server's copy and NumPy dominate)")
        print(f"xshmsrc takes {ratio:.2f}x the time of ximagesrc per frame: {verdict}")


if __name__ == "__main__":
    main()
