#!/usr/bin/env python3
"""Side-by-side benchmark of xshmsrc against ximagesrc and FFmpeg x11grab.

Starts a private Xvfb per screen size, runs the contenders alternating
(A B C D, A B C D, ...) in each scenario, and prints medians and ratios.
CPU is counted in the capturing process and in the X server (which does the
copy); the cost of painting the changing content is measured on its own and
subtracted. Run through examples/bench.sh.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1920x1080,3840x2160")
    p.add_argument("--scenarios", default="still,area,full,cursor")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--seconds", type=float, default=3.0, help="cap on measured time per run")
    p.add_argument("--quick", action="store_true", help="one round, few frames: a smoke run")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.frames, args.seconds = 1, 60, 1.0
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    for s in args.scenarios:
        if s not in SCENARIOS:
            raise SystemExit(f"unknown scenario {s!r}: choose from {', '.join(SCENARIOS)}")
    args.ffmpeg = shutil.which("ffmpeg") is not None
    if not args.ffmpeg:
        print("note: ffmpeg not found, x11grab is left out", file=sys.stderr)
    if not os.path.exists(HARNESS):
        raise SystemExit(f"{HARNESS} is missing: build first (scripts/setup.sh --no-test)")

    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(BUILD, "gst") + (
        ":" + env["GST_PLUGIN_PATH"] if env.get("GST_PLUGIN_PATH") else "")
    env["GST_REGISTRY"] = os.path.join(tempfile.gettempdir(), "xshm-bench-registry.bin")
    print(f"xshm benchmark: {args.rounds} round(s), up to {args.frames} frames or "
          f"{args.seconds:g} s per run, unthrottled (framerate=1000/1), medians")
    for s in args.scenarios:
        print(f"  {s}: {SCENARIOS[s]}")
    all_rows = []
    for size in args.sizes.split(","):
        memcpy, paint, results, notes, height = bench_size(size, args, env)
        all_rows.append((size, memcpy, report(size, memcpy, paint, results, notes, height,
                                              args.scenarios)))
    print("\nMarkdown:\n")
    print(markdown(all_rows))


if __name__ == "__main__":
    main()
