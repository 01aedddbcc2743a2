#!/usr/bin/env python3
"""Side-by-side benchmark of xshmsrc against ximagesrc and FFmpeg x11grab.

Two parts, both run by default (--only capture|recording for one):

capture: unthrottled capture, CPU per frame. Starts a private Xvfb per screen
size, runs the contenders alternating (A B C D, A B C D, ...) in each scenario,
and prints medians and ratios. CPU is counted in the capturing process and in
the X server (which does the copy); the cost of painting the changing content
is measured on its own and subtracted.

recording: H.264 recording at 30 fps (x264 ultrafast, Matroska), CPU per
recorded second (recorder + X server - painting) and frames written, while the
harness paints a still screen, typing, a 1280x720 video or the whole screen
changing; ratios against FFmpeg and the content-driven targets, in words.

Run through examples/bench.sh.
"""
import argparse
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(HERE), "build")
HARNESS = os.path.join(BUILD, "examples", "bench", "xshm-bench")

SCENARIOS = {
    "still": "nothing changes on screen",
    "area": "a 1280x720 area changes every frame (a video in a window)",
    "full": "the whole screen changes every frame",
    "cursor": "still screen, full-frame capture, with and without the pointer drawn",
}
# The pointer is left out of the three screen scenarios (for every contender)
# and measured on its own in "cursor".
GST_CONTENDERS = [
    ("xshmsrc", "xshmsrc use-damage=true show-pointer=false"),
    ("xshmsrc use-damage=false", "xshmsrc use-damage=false show-pointer=false"),
    ("ximagesrc use-damage=false", "ximagesrc use-damage=false show-pointer=false"),
    ("ximagesrc (default)", "ximagesrc show-pointer=false"),
]
CURSOR_CONTENDERS = [
    ("xshmsrc pointer", "xshmsrc use-damage=false show-pointer=true"),
    ("xshmsrc no pointer", "xshmsrc use-damage=false show-pointer=false"),
    ("ximagesrc pointer", "ximagesrc use-damage=false show-pointer=true"),
    ("ximagesrc no pointer", "ximagesrc use-damage=false show-pointer=false"),
    ("ffmpeg draw_mouse=1", "ffmpeg:1"),
    ("ffmpeg draw_mouse=0", "ffmpeg:0"),
]
FFMPEG = "ffmpeg x11grab"


def parse_kv(text):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", text)}


class Xvfb:
    def __init__(self, size):
        self.read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-noreset", "-nolisten", "tcp",
             "-screen", "0", size + "x24"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        number = b""
        while not number.endswith(b"\n"):
            chunk = os.read(self.read_fd, 16)
            if not chunk:
                raise SystemExit("Xvfb did not start")
            number += chunk
        self.display = ":" + number.decode().strip()
        self.pid = self.proc.pid

    def close(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self.read_fd)


def paint_background(display):
    # Non-trivial content: the X server's own root weave plus a test pattern
    # would do; a still screen only needs to be still, so the default root is kept.
    subprocess.run(["xsetroot", "-display", display, "-gray"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_gst(source, display, pid, scenario, frames, seconds, env):
    animate = {"still": "none", "area": "area", "full": "full", "cursor": "none"}[scenario]
    cmd = [HARNESS, "--source", f"{source} display-name={display}", "--server-pid", str(pid),
           "--frames", str(frames), "--seconds", str(seconds), "--animate", animate]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or "harness failed")
    return parse_kv(out.stdout)


def proc_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def proc_peak_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def run_ffmpeg(display, size, xpid, frames, seconds, warmup=30, draw_mouse=0):
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "x11grab",
           "-draw_mouse", str(draw_mouse),
           "-framerate", "1000", "-video_size", size, "-i", display,
           "-vsync", "passthrough", "-f", "null", "-", "-progress", "pipe:1",
           "-stats_period", "0.05"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = None
    result = None
    deadline = time.monotonic() + seconds + 30
    for line in proc.stdout:
        m = re.match(r"frame=(\d+)", line)
        if not m:
            continue
        n = int(m.group(1))
        if start is None and n >= warmup:
            start = (n, time.monotonic(), proc_cpu_ms(proc.pid), proc_cpu_ms(xpid))
        elif start is not None and (n - start[0] >= frames or
                                    time.monotonic() - start[1] >= seconds):
            done = n - start[0]
            wall = time.monotonic() - start[1]
            result = {"fps": done / wall,
                      "client_ms": (proc_cpu_ms(proc.pid) - start[2]) / done,
                      "server_ms": (proc_cpu_ms(xpid) - start[3]) / done,
                      "peak_mb": proc_peak_mb(proc.pid)}
            break
        if time.monotonic() > deadline:
            break
    proc.kill()
    proc.wait()
    if result is None:
        raise RuntimeError("ffmpeg produced no frames: " + proc.stderr.read().strip()[:200])
    return result


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def bench_size(size, args, env):
    width, height = (int(v) for v in size.split("x"))
    x = Xvfb(size)
    try:
        paint_background(x.display)
        memcpy_runs = []

        def measure_memcpy():
            out = subprocess.run([HARNESS, "--memcpy", size], capture_output=True, text=True,
                                 check=True).stdout
            memcpy_runs.append(parse_kv(out)["memcpy_ms"])
        paint = {}
        for mode in ("area", "full"):
            out = subprocess.run([HARNESS, "--animate-only", mode, "--display", x.display,
                                  "--server-pid", str(x.pid), "--frames", "300"],
                                 capture_output=True, text=True, check=True).stdout
            kv = parse_kv(out)
            paint[mode] = kv["paint_client_ms"] + kv["paint_server_ms"]
        paint["still"] = paint["cursor"] = 0.0

        results = {}  # (scenario, contender) -> [run, ...]
        notes = []
        for scenario in args.scenarios:
            contenders = list(CURSOR_CONTENDERS if scenario == "cursor" else GST_CONTENDERS)
            if scenario == "still" and args.ffmpeg:
                contenders.append((FFMPEG, "ffmpeg:0"))
            if not args.ffmpeg:
                contenders = [c for c in contenders if not c[1].startswith("ffmpeg:")]
            for round_no in range(args.rounds):
                # Interleaved with the contenders, so it sees the same machine state.
                measure_memcpy()
                for name, source in contenders:
                    try:
                        if source.startswith("ffmpeg:"):
                            r = run_ffmpeg(x.display, size, x.pid, args.frames, args.seconds,
                                           draw_mouse=int(source.split(":")[1]))
                        else:
                            r = run_gst(source, x.display, x.pid, scenario, args.frames,
                                        args.seconds, env)
                    except Exception as e:  # one contender failing must not end the run
                        notes.append(f"{scenario}/{name}: {e}")
                        continue
                    r["net_ms"] = max(0.0, r["client_ms"] + r["server_ms"] - paint[scenario])
                    results.setdefault((scenario, name), []).append(r)
        return statistics.median(memcpy_runs), paint, results, notes, height
    finally:
        x.close()


def report(size, memcpy, paint, results, notes, height, scenarios):
    rows = []
    lines = [f"\n== {size}: one memcpy of a frame = {memcpy:.3f} ms; painting cost subtracted: "
             f"area {paint['area']:.3f} ms, full {paint['full']:.3f} ms per frame"]
    header = (f"{'scenario':8} {'contender':28} {'fps':>8} {'client ms':>10} {'server ms':>10} "
              f"{'net ms':>8} {'x memcpy':>9} {'peak MB':>8}")
    lines.append(header)
    med = {}
    for scenario in scenarios:
        for (sc, name), runs in results.items():
            if sc != scenario:
                continue
            m = {k: median_of(runs, k) for k in ("fps", "client_ms", "server_ms", "net_ms",
                                                  "peak_mb")}
            med[(sc, name)] = m
            lines.append(f"{sc:8} {name:28} {m['fps']:8.1f} {m['client_ms']:10.3f} "
                         f"{m['server_ms']:10.3f} {m['net_ms']:8.3f} "
                         f"{m['net_ms'] / memcpy:9.3f} {m['peak_mb']:8.0f}")
            rows.append((sc, name, m))

    def get(sc, name, key):
        return med.get((sc, name), {}).get(key)

    lines.append("ratios (targets from the issues in brackets):")
    peer_names = ("ximagesrc use-damage=false", "ximagesrc (default)", FFMPEG)
    for sc in [s for s in scenarios if s != "cursor"]:
        ours = get(sc, "xshmsrc", "fps")
        peers = [get(sc, n, "fps") for n in peer_names if get(sc, n, "fps")]
        if ours and peers:
            lines.append(f"  {sc}: xshmsrc fps / best peer fps = {ours / max(peers):.2f}  [>= 1.0]")
    full = get("still", "xshmsrc use-damage=false", "fps")
    full_peers = [get("still", n, "fps") for n in ("ximagesrc use-damage=false", FFMPEG)
                  if get("still", n, "fps")]
    if full and full_peers:
        lines.append(f"  full-frame path: xshmsrc use-damage=false fps / best full-frame peer fps"
                     f" = {full / max(full_peers):.2f}")
    c = get("still", "xshmsrc use-damage=false", "client_ms")
    n = get("still", "xshmsrc use-damage=false", "net_ms")
    if c is not None:
        lines.append(f"  full-frame path: client CPU per frame = {c:.3f} ms  [<= 0.3]; "
                     f"client+server / memcpy = {n / memcpy:.2f}  [<= 1.15]")
    peer_net = [get("still", n, "net_ms") for n in ("ximagesrc use-damage=false", FFMPEG)
                if get("still", n, "net_ms")]
    if peer_net:
        lines.append(f"  full-frame peers: client+server / memcpy = "
                     f"{min(peer_net) / memcpy:.2f} at best (the X server's own copy)")
    s_ = get("still", "xshmsrc", "net_ms")
    xd = get("still", "ximagesrc (default)", "net_ms")
    if s_ is not None:
        lines.append(f"  still screen: xshmsrc CPU / memcpy = {100 * s_ / memcpy:.2f} %  [<= 3 %]")
        if xd:
            lines.append(f"  still screen: ximagesrc default CPU / xshmsrc CPU = "
                         f"{xd / max(s_, 1e-6):.0f} x  [>= 20]")
    a = get("area", "xshmsrc", "net_ms")
    af = get("area", "xshmsrc use-damage=false", "net_ms")
    if a is not None and af:
        share = min(1.0, 720 / height)
        lines.append(f"  1280x720 area: xshmsrc CPU / (row share {share:.2f} x full-frame CPU) = "
                     f"{a / (share * af):.2f}  [<= 1.5]")
    f = get("full", "xshmsrc", "net_ms")
    ff = get("full", "xshmsrc use-damage=false", "net_ms")
    if f is not None and ff:
        lines.append(f"  whole screen changing: xshmsrc CPU / use-damage=false CPU = "
                     f"{f / ff:.2f}  [<= 1.05]")
    if "cursor" in scenarios:
        for who, on, off in (("xshmsrc", "xshmsrc pointer", "xshmsrc no pointer"),
                             ("ximagesrc", "ximagesrc pointer", "ximagesrc no pointer"),
                             ("ffmpeg", "ffmpeg draw_mouse=1", "ffmpeg draw_mouse=0")):
            a_, b_ = get("cursor", on, "net_ms"), get("cursor", off, "net_ms")
            if a_ is not None and b_ is not None:
                target = "  [<= 0.1]" if who == "xshmsrc" else ""
                lines.append(f"  cursor: {who} pointer cost per frame = {a_ - b_:+.3f} ms "
                             f"(client {get('cursor', on, 'client_ms') - get('cursor', off, 'client_ms'):+.3f})"
                             f"{target}")
    for note in notes:
        lines.append(f"  note: {note}")
    print("\n".join(lines), flush=True)
    return rows


def markdown(all_rows):
    out = ["| size | scenario | contender | fps | client ms/frame | X server ms/frame | "
           "net ms/frame | × memcpy | peak MB |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for size, memcpy, rows in all_rows:
        for sc, name, m in rows:
            out.append(f"| {size} | {sc} | {name} | {m['fps']:.0f} | {m['client_ms']:.3f} | "
                       f"{m['server_ms']:.3f} | {m['net_ms']:.3f} | {m['net_ms'] / memcpy:.3f} | "
                       f"{m['peak_mb']:.0f} |")
    return "\n".join(out)


# ---- Recording: CPU per recorded second and frames written -------------------------

REC_SCENARIOS = {
    "still": "nothing changes: a desktop-like picture, painted once",
    "typing": "an 800x40 line of text is redrawn 10 times a second",
    "video": "a 1280x720 area shows a new picture 30 times a second",
    "full": "the whole screen shows a new picture 30 times a second",
}
# x264 CRF 23 as FFmpeg's libx264 default (x264enc's own default is 2048 kbit/s CBR).
ENCODE = ("videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast pass=qual "
          "quantizer=23 ! matroskamux ! filesink location={out}")
# key: (name in the tables, what it is, command template)
REC_CONTENDERS = {
    "xshmsrc": ("xshmsrc", "constant frame rate: a frame every 1/30 s, changed or not",
                "xshmsrc display-name={display} show-pointer=false ! "
                "video/x-raw,framerate=30/1 ! " + ENCODE),
    "xshmsrc-skip": ("xshmsrc skip-unchanged",
                     "content-driven: a frame only when the screen changed, at most 30 a second",
                     "xshmsrc display-name={display} show-pointer=false skip-unchanged=true ! "
                     "video/x-raw,max-framerate=30/1 ! " + ENCODE),
    "ximagesrc": ("ximagesrc", "GStreamer's ximagesrc as users run it (use-damage=true)",
                  "ximagesrc display-name={display} show-pointer=false ! "
                  "video/x-raw,framerate=30/1 ! " + ENCODE),
    "xshm-record": ("xshm-record", "the recorder: content-driven, a keyframe at least every 2 s "
                    "(so a still screen gets a frame every 2 s), x264 tune=zerolatency", None),
    "ffmpeg": ("ffmpeg x11grab", "FFmpeg's X11 capture at 30 frames a second, libx264", None),
}
FFMPEG_KEY = "ffmpeg"
RECORDER_KEY = "xshm-record"
CONTENT_DRIVEN_KEYS = ("xshmsrc-skip", RECORDER_KEY)
RECORDER = os.path.join(BUILD, "tools", "xshm-record")
# Net CPU against FFmpeg's: (contender, scenario, size or None = any, at most this ratio).
REC_TARGETS = [(key, sc, size, ratio) for key in CONTENT_DRIVEN_KEYS
               for sc, size, ratio in [("still", "1920x1080", 1 / 15), ("still", "3840x2160", 1 / 30),
                                       ("typing", None, 1 / 2.5)]]
REC_TARGETS += [(RECORDER_KEY, "video", None, 1.0), (RECORDER_KEY, "full", None, 1.0)]
# Changes per second painted in each scenario: what a content-driven recorder has to write.
CHANGE_RATE = {"still": 0, "typing": 10, "video": 30, "full": 30}
SCENARIO_WORDS = {"still": "still screen", "typing": "typing", "video": "1280x720 video",
                  "full": "whole screen changing"}


def rec_command(key, display, size, out):
    if key == RECORDER_KEY:
        return [RECORDER, "--display", display, "--preset", "ultrafast", "--no-hardware",
                "--no-pointer", "-y", out]
    if key == FFMPEG_KEY:
        return ["ffmpeg", "-hide_banner", "-nostats", "-y", "-f", "x11grab", "-framerate", "30",
                "-video_size", size, "-draw_mouse", "0", "-i", display, "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "matroska", out]
    return ["gst-launch-1.0", "-e"] + REC_CONTENDERS[key][2].format(display=display,
                                                                     out=out).split()


class Painter:
    """The harness painting one scenario on the display, until stopped."""

    def __init__(self, scenario, display):
        self.proc = subprocess.Popen([HARNESS, "--paint", scenario, "--display", display],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = ""
        if select.select([self.proc.stdout], [], [], 120)[0]:
            line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            err = self.proc.communicate()[1].strip()
            raise RuntimeError(f"the painter did not start ({err or 'no output'}); "
                               f"rebuild the harness: meson compile -C build xshm-bench")

    def stop(self):
        """Stops painting; returns (steps, late steps)."""
        self.proc.terminate()
        try:
            out = self.proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out = self.proc.communicate()[0]
        kv = parse_kv(out)
        return int(kv.get("paint_steps", 0)), int(kv.get("paint_late", 0))


def cpu_percent(c0, c1, t0, t1):
    return 100.0 * (c1 - c0) / ((t1 - t0) * 1000.0)


def probe(path):
    """Frames (packets) in the file's video stream, its duration, its size."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        raise RuntimeError("no file written" if not os.path.exists(path) else "empty file")
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                          "-show_entries", "stream=nb_read_packets:format=duration,size",
                          "-of", "default=noprint_wrappers=1", path],
                         capture_output=True, text=True, timeout=120)
    kv = dict(re.findall(r"(\w+)=(\S+)", out.stdout))
    if out.returncode != 0 or "nb_read_packets" not in kv:
        raise RuntimeError("unreadable file: " + (out.stderr.strip()[:160] or "ffprobe failed"))
    frames = int(kv["nb_read_packets"])
    if frames == 0:
        raise RuntimeError("no frames written")
    try:
        duration = float(kv.get("duration"))
    except (TypeError, ValueError):
        duration = float("nan")
    return frames, duration, os.path.getsize(path)


def record_once(key, display, size, xpid, out, args, env):
    """One recording: warm-up, a measured window, a clean stop, the file checked."""
    cmd = rec_command(key, display, size, out)
    is_ffmpeg = key == FFMPEG_KEY
    marker = ("Press [q] to stop" if is_ffmpeg else "xshm-record: recording"
              if key == RECORDER_KEY else "Setting pipeline to PLAYING")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if is_ffmpeg else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", env=env)
    lines = []
    ready = threading.Event()
    up = []  # the marker was seen

    def read():
        for line in proc.stdout:
            lines.append(line.rstrip())
            if marker in line:
                up.append(True)
                ready.set()
        ready.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def failure(what):
        errors = [l for l in lines if re.search(r"error|ERROR|WARNING|No such|not found|"
                                                r"erroneous|Invalid|[Cc]annot", l)]
        detail = (errors or lines or [""])[-1].strip()
        return RuntimeError(f"{what}: {detail[:160]}" if detail else what)

    def kill():
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(5)

    try:
        ready.wait(60)
        if not up:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise failure("did not start within 60 s")
            raise failure(f"did not start (status {proc.returncode})")
        if proc.poll() is not None:
            raise failure(f"exited at start (status {proc.returncode})")
        started = time.monotonic()
        time.sleep(args.rec_warmup)
        try:
            t0, c0, s0 = time.monotonic(), proc_cpu_ms(proc.pid), proc_cpu_ms(xpid)
            time.sleep(args.rec_seconds)
            t1, c1, s1 = time.monotonic(), proc_cpu_ms(proc.pid), proc_cpu_ms(xpid)
        except FileNotFoundError:
            raise failure("exited while recording")
        if proc.poll() is not None:
            raise failure(f"exited while recording (status {proc.returncode})")
        recorded = time.monotonic() - started
        # Stop cleanly, so the file is finalized: 'q' for FFmpeg, SIGINT (EOS with -e)
        # for gst-launch.
        if is_ffmpeg:
            proc.stdin.write("q")
            proc.stdin.flush()
            proc.stdin.close()
        else:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise failure("did not stop within 60 s of being asked to")
        reader.join(5)
        if proc.returncode != 0:
            raise failure(f"exit status {proc.returncode}")
        frames, duration, nbytes = probe(out)
    finally:
        kill()
    rec = cpu_percent(c0, c1, t0, t1)
    srv = cpu_percent(s0, s1, t0, t1)
    return {"rec": rec, "srv": srv, "frames": frames, "duration": duration,
            "fps": frames / recorded, "kbps": nbytes * 8 / 1000.0 / recorded}


def rec_bench_size(size, args, env):
    x = Xvfb(size)
    tmp = tempfile.mkdtemp(prefix="xshm-rec-")
    runenv = dict(env, DISPLAY=x.display)
    paint = {}      # scenario -> [X server % while painting alone, per round]
    results = {}    # (scenario, key) -> [run, ...]
    failures = {}   # (scenario, key) -> [reason, ...]
    notes = []
    try:
        for scenario in args.rec_scenarios:
            try:
                painter = Painter(scenario, x.display)
            except Exception as e:
                for key in args.rec_contenders:
                    failures.setdefault((scenario, key), []).append(f"no painter: {e}")
                continue
            try:
                for round_no in range(args.rounds_rec):
                    # The painter's own cost on the X server, with no recorder running.
                    time.sleep(0.3)
                    t0, s0 = time.monotonic(), proc_cpu_ms(x.pid)
                    time.sleep(args.rec_alone)
                    paint.setdefault(scenario, []).append(
                        cpu_percent(s0, proc_cpu_ms(x.pid), t0, time.monotonic()))
                    for key in args.rec_contenders:
                        out = os.path.join(tmp, f"{size}-{scenario}-{key}-{round_no}.mkv")
                        label = f"{size} {scenario:6} round {round_no + 1}: {REC_CONTENDERS[key][0]}"
                        print(f"  {label} ...", end="", flush=True, file=sys.stderr)
                        try:
                            r = record_once(key, x.display, size, x.pid, out, args, runenv)
                            results.setdefault((scenario, key), []).append(r)
                            print(f" {r['rec']:.1f} % + X {r['srv']:.1f} %, {r['frames']} frames",
                                  file=sys.stderr, flush=True)
                        except Exception as e:  # one contender failing must not end the run
                            failures.setdefault((scenario, key), []).append(str(e))
                            print(f" FAILED: {e}", file=sys.stderr, flush=True)
                        finally:
                            if args.keep_recordings and os.path.exists(out):
                                shutil.copy(out, args.keep_recordings)
                            if os.path.exists(out):
                                os.remove(out)
            finally:
                steps, late = painter.stop()
                if steps and late > 0.02 * (steps + late):
                    notes.append(f"{scenario}: the painter fell behind ({late} of {steps + late} "
                                 f"changes late): the machine was saturated, figures understate "
                                 f"the load")
    finally:
        x.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return paint, results, failures, notes


def fraction(r):
    """0.045 -> '1/22'; 1.3 -> '1.3 times'."""
    if r >= 1:
        return f"{r:.1f} times"
    inv = 1 / r
    return f"1/{inv:.0f}" if inv >= 10 else f"1/{inv:.1f}"


def rec_summarize(size, paint, results, failures, args):
    """Medians per (scenario, contender), net CPU and the ratio against FFmpeg."""
    paint_med = {sc: statistics.median(v) for sc, v in paint.items()}
    rows = []
    for sc in args.rec_scenarios:
        ff = None
        for key in args.rec_contenders:
            runs = results.get((sc, key), [])
            fails = failures.get((sc, key), [])
            m = {"size": size, "scenario": sc, "key": key, "name": REC_CONTENDERS[key][0],
                 "runs": len(runs), "failed": fails}
            if runs:
                for k in ("rec", "srv", "frames", "duration", "fps", "kbps"):
                    vals = [r[k] for r in runs if r[k] == r[k]]
                    m[k] = statistics.median(vals) if vals else float("nan")
                nets = [max(0.0, r["rec"] + r["srv"] - paint_med.get(sc, 0.0)) for r in runs]
                m["net"] = statistics.median(nets)
                if key == FFMPEG_KEY:
                    ff = m["net"]
            rows.append(m)
        for m in rows:
            if m["scenario"] == sc and "net" in m:
                m["ratio"] = m["net"] / ff if ff else None
    return paint_med, rows


def ratio_text(m):
    return f"{m['ratio']:.3f}" if m.get("ratio") is not None else "n/a"


def rec_report(size, paint_med, rows, notes, args):
    lines = [f"\n== {size}: painting alone costs the X server "
             + ", ".join(f"{sc} {v:.1f} %" for sc, v in paint_med.items())]
    lines.append(f"{'scenario':8} {'contender':24} {'recorder %':>10} {'X server %':>10} "
                 f"{'net %':>7} {'x FFmpeg':>8} {'frames':>7} {'file s':>7} {'fps':>5} "
                 f"{'kbit/s':>7}")
    for m in rows:
        head = f"{m['scenario']:8} {m['name']:24}"
        if not m["runs"]:
            lines.append(f"{head} FAILED: {m['failed'][0]}")
            continue
        lines.append(f"{head} {m['rec']:10.1f} {m['srv']:10.1f} {m['net']:7.1f} "
                     f"{ratio_text(m):>8} {m['frames']:7.0f} {m['duration']:7.1f} "
                     f"{m['fps']:5.1f} {m['kbps']:7.0f}")
        due = CHANGE_RATE[m["scenario"]] if m["key"] in CONTENT_DRIVEN_KEYS else 30
        if m["fps"] < 0.9 * due:
            notes.append(f"{m['scenario']}/{m['name']} fell behind: {m['fps']:.1f} frames per "
                         f"recorded second where {due} were due; its CPU figures are what the "
                         f"machine could give it, not what keeping up would cost")
        if m["failed"]:
            notes.append(f"{m['scenario']}/{m['name']}: {len(m['failed'])} of "
                         f"{len(m['failed']) + m['runs']} runs failed: {m['failed'][0]}")
    for note in notes:
        lines.append(f"  note: {note}")
    print("\n".join(lines), flush=True)


def target_words(ratio):
    return "no more than FFmpeg's" if ratio >= 1 else f"at most {fraction(ratio)}"


def rec_verdict(ours, ff, ratio, tick):
    """(met, words) for one target."""
    if ours["net"] < tick:
        use = (f"uses less than {fraction(tick / ff['net'])} of FFmpeg's CPU (too little "
               f"to measure, under {tick:.1f} % of a core, against {ff['net']:.1f} %)")
    else:
        use = (f"uses {fraction(ours['ratio'])} of FFmpeg's CPU "
               f"({ours['net']:.1f} % of a core against {ff['net']:.1f} %)")
    ok = ours["ratio"] <= ratio
    return ok, f"{ours['name']} {use}; target: {target_words(ratio)} — {'met' if ok else 'NOT met'}"


def rec_verdicts(all_rows, args):
    """The targets of the content-driven contenders, in words."""
    tick = 100.0 * (1000.0 / os.sysconf("SC_CLK_TCK")) / (args.rec_seconds * 1000.0)
    lines = ["\nTargets: net CPU of the content-driven contenders against FFmpeg's, "
             "recording the same screen:"]
    met = total = 0
    by = {(m["size"], m["scenario"], m["key"]): m for m in all_rows}
    sizes = list(dict.fromkeys(m["size"] for m in all_rows))
    for key, sc, tsize, ratio in REC_TARGETS:
        for size in sizes:
            if tsize not in (None, size) or sc not in args.rec_scenarios or \
                    key not in args.rec_contenders:
                continue
            ours, ff = by.get((size, sc, key)), by.get((size, sc, FFMPEG_KEY))
            what = f"  {SCENARIO_WORDS[sc]}, {size}: "
            total += 1
            if not ours or not ours["runs"] or not ff or not ff["runs"] or not ff["net"]:
                missing = REC_CONTENDERS[key][0] if not ours or not ours["runs"] else "FFmpeg"
                lines.append(f"{what}no figure, {missing} did not record "
                             f"(target: {target_words(ratio)}) — not measured")
                continue
            ok, words = rec_verdict(ours, ff, ratio, tick)
            met += ok
            lines.append(what + words)
    if total:
        lines.append(f"  {met} of {total} targets met." if met < total else
                     f"  All {total} targets met.")
    print("\n".join(lines), flush=True)


def rec_markdown(all_rows):
    out = ["| size | scenario | contender | recorder % | X server % | net % | × FFmpeg | "
           "frames written | file duration |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for m in all_rows:
        if not m["runs"]:
            out.append(f"| {m['size']} | {m['scenario']} | {m['name']} | failed | | | | | |")
            continue
        out.append(f"| {m['size']} | {m['scenario']} | {m['name']} | {m['rec']:.1f} | "
                   f"{m['srv']:.1f} | {m['net']:.1f} | {ratio_text(m)} | {m['frames']:.0f} | "
                   f"{m['duration']:.1f} s |")
    return "\n".join(out)


def run_recording(args, env):
    missing = [t for t in ("gst-launch-1.0", "ffprobe") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"the recording benchmark needs {' and '.join(missing)}")
    if not args.ffmpeg and FFMPEG_KEY in args.rec_contenders:
        args.rec_contenders.remove(FFMPEG_KEY)
        print("note: ffmpeg not found: no FFmpeg row, no ratios", file=sys.stderr)
    # Build the plugin registry now, not inside the first measured run.
    subprocess.run(["gst-inspect-1.0", "xshmsrc"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    print(f"""
Recording benchmark: CPU per recorded second and frames written.
Each contender records a private Xvfb's screen to a Matroska file in H.264 (x264, preset
ultrafast, 4:2:0, 30 frames a second at most; the pointer is not drawn), while the
benchmark paints one of these scenarios:""")
    for sc in args.rec_scenarios:
        print(f"  {sc:7} {REC_SCENARIOS[sc]}")
    print("Contenders (the pointer left out; each source's defaults otherwise):")
    for key in args.rec_contenders:
        print(f"  {REC_CONTENDERS[key][0]:23} {REC_CONTENDERS[key][1]}")
        print("      " + " ".join(rec_command(key, ":N", "WxH", "out.mkv")))
    print(f"""x264 runs with the same settings everywhere: preset ultrafast, constant quality 23
(FFmpeg's default; x264enc pass=qual quantizer=23).
Each recording runs {args.rec_warmup:g} s + {args.rec_seconds:g} s; CPU is counted over the last \
{args.rec_seconds:g} s, in % of one core
(CPU seconds per recorded second; 100 % = one core busy all the time):
  recorder %   the recording process: capture, colour conversion, encoding, writing
  X server %   the X server, which copies the screen for the recorder (and paints)
  net %        recorder + X server - what painting the scenario costs the X server alone
  x FFmpeg     net / FFmpeg's net in the same scenario: 0.100 = a tenth of FFmpeg's CPU
  frames       frames in the file (ffprobe); file s: its duration; fps: frames per recorded
               second; kbit/s: the file's size per recorded second
A content-driven file holds a frame where the screen changed (and whatever the element adds
to keep the file going, e.g. the last frame again after a while): a still screen writes
almost nothing.
{args.rounds_rec} round(s), contenders alternating within each round; medians. Progress goes to stderr.""",
          flush=True)
    all_rows = []
    for size in args.sizes.split(","):
        paint, results, failures, notes = rec_bench_size(size, args, env)
        paint_med, rows = rec_summarize(size, paint, results, failures, args)
        rec_report(size, paint_med, rows, notes, args)
        all_rows.extend(rows)
    rec_verdicts(all_rows, args)
    print("\nRecording, Markdown:\n")
    print(rec_markdown(all_rows))


def main():
    p = argparse.ArgumentParser(
        description="Benchmark of xshmsrc against ximagesrc and FFmpeg x11grab: "
                    "'capture' (unthrottled capture, CPU per frame) and 'recording' "
                    "(H.264 recording at 30 fps, CPU per recorded second). Both by default.")
    p.add_argument("--only", choices=("capture", "recording"),
                   help="run one part only (default: capture, then recording)")
    p.add_argument("--recording", action="store_true", help="same as --only recording")
    p.add_argument("--sizes", default="1920x1080,3840x2160")
    p.add_argument("--quick", action="store_true",
                   help="one round, short runs: a smoke run, not figures")
    p.add_argument("--rounds", type=int, default=None,
                   help="rounds (default: 3 for capture, 2 for recording)")
    g = p.add_argument_group("capture")
    g.add_argument("--scenarios", default="still,area,full,cursor")
    g.add_argument("--frames", type=int, default=300)
    g.add_argument("--seconds", type=float, default=3.0, help="cap on measured time per run")
    g = p.add_argument_group("recording")
    g.add_argument("--rec-scenarios", default=",".join(REC_SCENARIOS),
                   help="comma-separated, from: " + ", ".join(REC_SCENARIOS))
    g.add_argument("--rec-contenders", default=",".join(REC_CONTENDERS),
                   help="comma-separated, from: " + ", ".join(REC_CONTENDERS))
    g.add_argument("--rec-seconds", type=float, default=None,
                   help="measured time per recording (default 5; --quick: 2)")
    g.add_argument("--rec-warmup", type=float, default=1.0,
                   help="time recorded before measuring, once the recorder is up (default 1)")
    g.add_argument("--keep-recordings", metavar="DIR",
                   help="copy the recorded files into DIR")
    args = p.parse_args()
    if args.recording:
        args.only = "recording"
    parts = [args.only] if args.only else ["capture", "recording"]
    args.rounds_rec = args.rounds or 2
    args.rounds = args.rounds or 3
    if args.quick:
        args.rounds, args.frames, args.seconds = 1, 60, 1.0
        args.rounds_rec = 1
    if args.rec_seconds is None:
        args.rec_seconds = 2.0 if args.quick else 5.0
    args.rec_alone = min(args.rec_seconds, 3.0)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    for s in args.scenarios:
        if s not in SCENARIOS:
            raise SystemExit(f"unknown scenario {s!r}: choose from {', '.join(SCENARIOS)}")
    args.rec_scenarios = [s for s in args.rec_scenarios.split(",") if s]
    for s in args.rec_scenarios:
        if s not in REC_SCENARIOS:
            raise SystemExit(f"unknown recording scenario {s!r}: choose from "
                             f"{', '.join(REC_SCENARIOS)}")
    args.rec_contenders = [c for c in args.rec_contenders.split(",") if c]
    for c in args.rec_contenders:
        if c not in REC_CONTENDERS:
            raise SystemExit(f"unknown contender {c!r}: choose from {', '.join(REC_CONTENDERS)}")
    if args.keep_recordings:
        os.makedirs(args.keep_recordings, exist_ok=True)
    args.ffmpeg = shutil.which("ffmpeg") is not None
    if not args.ffmpeg:
        print("note: ffmpeg not found, x11grab is left out", file=sys.stderr)
    if not os.path.exists(HARNESS):
        raise SystemExit(f"{HARNESS} is missing: build first (scripts/setup.sh --no-test)")

    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(BUILD, "gst") + (
        ":" + env["GST_PLUGIN_PATH"] if env.get("GST_PLUGIN_PATH") else "")
    env["GST_REGISTRY"] = os.path.join(tempfile.gettempdir(), "xshm-bench-registry.bin")
    if "capture" in parts:
        run_capture(args, env)
    if "recording" in parts:
        run_recording(args, env)


def run_capture(args, env):
    print(f"Capture benchmark: {args.rounds} round(s), up to {args.frames} frames or "
          f"{args.seconds:g} s per run, unthrottled (framerate=1000/1), medians")
    for s in args.scenarios:
        print(f"  {s}: {SCENARIOS[s]}")
    all_rows = []
    for size in args.sizes.split(","):
        memcpy, paint, results, notes, height = bench_size(size, args, env)
        all_rows.append((size, memcpy, report(size, memcpy, paint, results, notes, height,
                                              args.scenarios)))
    print("\nCapture, Markdown:\n")
    print(markdown(all_rows))


if __name__ == "__main__":
    main()
