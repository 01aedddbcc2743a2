// SPDX-License-Identifier: LGPL-2.1-or-later
// The real xshm-record against private Xvfb servers: its files (container,
// codec, 4:2:0, duration), when what was painted appears in them, how each way
// of stopping leaves them, its errors, audio, and what it prints.
#include <csignal>
#include <cstdlib>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <glib/gstdio.h>

#include "support/child_process.h"
#include "support/expectations.h"
#include "support/media_file.h"
#include "support/recorder_files.h"
#include "support/randr_monitors.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/test_window.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

// xshm-record with `args`, which must refuse before recording: exit 2, the
// message `expected`, no file `file` behind, nothing from GLib.
void expect_refused(const XvfbServer &x, const std::vector<std::string> &args,
                    const std::string &expected, const std::string &file) {
    ChildProcess *r = recorder(x, args);
    const int status = r->wait();
    const std::string output = r->output();
    delete r;
    const bool left = exists(file);
    unlink(file.c_str());
    fail_unless(status == 2, "'%s': exit %d: %s", args.back().c_str(), status, output.c_str());
    fail_unless(contains(output, expected), "expected '%s' in: %s", expected.c_str(),
                output.c_str());
    fail_unless(!contains(output, "GLib"), "GLib spoke: %s", output.c_str());
    fail_unless(!left, "'%s' was written", file.c_str());
}

} // namespace

GST_START_TEST(every_container_and_codec) {
    PaintedScreen screen({320, 240, 24}, 50);
    struct Case {
        const char *file, *codec, *format, *codec_name, *pix_fmt;
    };
    const Case cases[] = {
        {"h264.mkv", nullptr, "matroska", "h264", "yuv420p"},
        {"h264.mp4", nullptr, "mp4", "h264", "yuv420p"},
        {"vp8.webm", nullptr, "webm", "vp8", "yuv420p"},
        {"vp9.webm", "vp9", "webm", "vp9", "yuv420p"},
        {"ffv1.mkv", "ffv1", "matroska", "ffv1", "bgr0"},
        {"h264-444.mkv", "444", "matroska", "h264", "yuv444p"},
    };
    for (const Case &c : cases) {
        const std::string file = temp_path(c.file);
        std::vector<std::string> args = {"-q", "-t", "2"};
        if (c.codec != nullptr && std::string(c.codec) == "444")
            args.insert(args.end(), {"--chroma", "444"});
        else if (c.codec != nullptr)
            args.insert(args.end(), {"--codec", c.codec});
        args.push_back(file);
        ChildProcess *r = recorder(screen, args);
        const int status = r->wait();
        const std::string output = r->output();
        delete r;
        fail_unless(status == 0, "%s: exit %d: %s", c.file, status, output.c_str());
        fail_unless(contains(probe(file, "", "format=format_name"), c.format), "%s", c.file);
        fail_unless_text(probe(file, "v:0", "stream=codec_name"), c.codec_name);
        fail_unless_text(probe(file, "v:0", "stream=pix_fmt"), c.pix_fmt);
        const double duration = probe_seconds(file, "", "format=duration");
        fail_unless(duration > 1.9 && duration < 2.2, "%s lasts %.3f s", c.file, duration);
        unlink(file.c_str());
    }
}
GST_END_TEST;

// Solid colours painted at known times, a still stretch, Ctrl-C: each colour
// is in the file within 70 ms of its painting, the still stretch holds only
// keepalive frames, and the file lasts until the stop.
GST_START_TEST(timeline_follows_the_paint_and_the_stop) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    const uint32_t colours[] = {0x204080, 0xc03020, 0x30c040, 0xe0e020, 0x2020d0};
    p.fill_rect(0, 0, 320, 240, colours[0]);
    p.sync();
    const std::string file = temp_path("timeline.mkv");
    ChildProcess *r = recorder(x, {"-q", "--no-pointer", file});
    wait_until_recording(file);
    g_usleep(1000000);
    gint64 painted[5] = {0};
    for (int k = 1; k < 5; ++k) {
        p.fill_rect(0, 0, 320, 240, colours[k]);
        p.sync();
        painted[k] = g_get_monotonic_time();
        g_usleep(300000);
    }
    g_usleep(2700000); // still
    const gint64 stopped = g_get_monotonic_time();
    r->signal(SIGINT);
    const int status = r->wait();
    fail_unless(status == 0, "exit %d: %s", status, r->output().c_str());
    delete r;
    const std::vector<DecodedFrame> frames = decode_frames(file);
    const double duration = probe_seconds(file, "", "format=duration");
    unlink(file.c_str());
    fail_unless(frames.size() >= 6, "%zu frames", frames.size());
    // The closing frame is stamped when Ctrl-C arrived: it ties file time to ours.
    const gint64 offset_us = stopped - gint64(frames.back().pts / 1000);
    std::size_t next = 0;
    for (int k = 1; k < 5; ++k) {
        while (next < frames.size() && !colour_near(frames[next].rgb, colours[k], 14))
            ++next;
        fail_unless(next < frames.size(), "colour %d never appears (in order)", k);
        const gint64 at_us = gint64(frames[next].pts / 1000) + offset_us;
        fail_unless(at_us >= painted[k] - 70000 && at_us <= painted[k] + 70000,
                    "colour %d painted at %" G_GINT64_FORMAT
                    " us, in the file at %" G_GINT64_FORMAT,
                    k, painted[k], at_us);
    }
    int still_frames = 0;
    for (const DecodedFrame &f : frames) {
        const gint64 at_us = gint64(f.pts / 1000) + offset_us;
        still_frames += at_us > painted[4] + 100000 && at_us < stopped - 5000;
    }
    // 2.7 s still with a keyframe every 2 s: one or two keepalives, nothing else.
    fail_unless(still_frames >= 1 && still_frames <= 2, "%d frames in the still stretch",
                still_frames);
    fail_unless(duration >= double(frames.back().pts) / GST_SECOND, "file lasts %.3f s", duration);
}
GST_END_TEST;

GST_START_TEST(sigterm_and_sighup_finish_the_file) {
    XvfbServer x({320, 240, 24});
    for (int sig : {SIGTERM, SIGHUP}) {
        const std::string file = temp_path(sig == SIGTERM ? "term.mp4" : "hup.mkv");
        const gint64 spawned = g_get_monotonic_time();
        ChildProcess *r = recorder(x, {"-q", file});
        wait_until_recording(file);
        const gint64 recording = g_get_monotonic_time();
        g_usleep(2000000);
        r->signal(sig);
        const gint64 signalled = g_get_monotonic_time();
        const int status = r->wait();
        fail_unless(status == 0, "signal %d: exit %d: %s", sig, status, r->output().c_str());
        delete r;
        const double duration = probe_seconds(file, "", "format=duration");
        unlink(file.c_str());
        // From the first frame (seen a little after it was written) to the signal.
        const double at_least = (signalled - recording) / 1e6 - 0.1;
        const double at_most = (signalled - spawned) / 1e6 + 0.1;
        fail_unless(duration >= at_least && duration <= at_most,
                    "signal %d: file lasts %.3f s, not %.3f to %.3f", sig, duration, at_least,
                    at_most);
    }
}
GST_END_TEST;

// SIGKILL: no finishing at all. Matroska as written and fragmented MP4 both
// play, holding all but about the last keyframe interval.
GST_START_TEST(killed_recording_stays_playable) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    for (const char *name : {"killed.mkv", "killed.mp4"}) {
        const std::string file = temp_path(name);
        ChildProcess *r = recorder(x, {"-q", file});
        for (int i = 0; i < 50; ++i) { // 5 s of changes
            p.fill_rect(0, 0, 320, 240, 0x101010u * uint32_t(i % 15));
            p.sync();
            g_usleep(100000);
        }
        r->signal(SIGKILL);
        r->wait();
        delete r;
        const double end = stream_end(file, "v:0");
        const std::vector<DecodedFrame> frames = decode_frames(file);
        unlink(file.c_str());
        // Recording began ~0.5 s after the start; the last 2 s may be lost.
        fail_unless(end > 2.3, "%s: playable only up to %.3f s", name, end);
        fail_unless(frames.size() > 20, "%s: %zu frames decode", name, frames.size());
    }
}
GST_END_TEST;

// A second Ctrl-C while the file is being finished aborts at once. The file
// is a pipe that nobody reads: once it is full, finishing the file hangs.
GST_START_TEST(second_ctrl_c_aborts) {
    XvfbServer x({640, 480, 24});
    ScreenPainter p(x.display());
    const std::string file = temp_path("aborted.mkv");
    fail_unless(mkfifo(file.c_str(), 0600) == 0);
    const int reader = open(file.c_str(), O_RDONLY | O_NONBLOCK); // never read
    ChildProcess *r = recorder(x, {"-q", "-y", file});
    for (uint32_t seed = 1; seed <= 15; ++seed) { // noise: far more than the pipe holds
        p.paint_pattern(seed);
        p.sync();
        g_usleep(100000);
    }
    r->signal(SIGINT);
    const int first = r->wait(1000);
    r->signal(SIGINT);
    const int status = r->wait(5000);
    const std::string output = r->output();
    delete r;
    close(reader);
    unlink(file.c_str());
    fail_unless(first == -1, "finished although the file cannot be written: %s", output.c_str());
    fail_unless(status == 130, "exit %d: %s", status, output.c_str());
    fail_unless(contains(output, "aborted"), "%s", output.c_str());
}
GST_END_TEST;

GST_START_TEST(bad_input_is_refused_before_recording) {
    XvfbServer x({640, 480, 24});
    define_monitor(x.display(), "LEFT", 0, 0, 320, 480);
    TestWindow window(x.display(), "xshm-test-window", 10, 10, 100, 80);
    const std::string file = temp_path("refused.mkv");
    const std::string existing = temp_path("existing.mkv"), folder = temp_path("folder.mkv");
    fclose(fopen(existing.c_str(), "w"));
    g_mkdir(folder.c_str(), 0700);
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--monitor", "HDMI-9", file}, "no monitor 'HDMI-9'; monitors: 0: LEFT"},
        {{"--window", "nope", file}, "'xshm-test-window'"},
        {{"--region", "100x100+600+0", file}, "is not inside the 640x480 screen"},
        {{"-t", "0", file}, "-t/--duration takes a positive number"},
        {{"-t", "abc", file}, "not 'abc'"},
        {{file, "-t"}, "needs a value"},
        {{"--frobnicate", file}, "unknown option '--frobnicate'"},
        {{temp_path("refused.avi")}, "unknown extension '.avi'"},
        {{"--codec", "vp8", temp_path("refused.mp4")}, "does not go into MP4"},
        {{"/nonexistent-dir/x.mkv"}, "the directory '/nonexistent-dir' does not exist"},
        {{folder}, "is a directory"},
        {{existing}, "exists; -y replaces it"},
    };
    for (const auto &c : cases) {
        ChildProcess *r = recorder(x, c.first);
        const int status = r->wait();
        const std::string output = r->output();
        delete r;
        fail_unless(status == 2, "'%s': exit %d: %s", c.first.back().c_str(), status,
                    output.c_str());
        fail_unless(contains(output, c.second), "expected '%s' in: %s", c.second.c_str(),
                    output.c_str());
        fail_unless(!exists(file) && !exists(temp_path("refused.avi")) &&
                        !exists(temp_path("refused.mp4")),
                    "a file was left behind");
    }
    ChildProcess bad_display({g_getenv("XSHM_RECORD"), "--display", ":4091", file});
    fail_unless_equals_int(bad_display.wait(), 2);
    fail_unless(contains(bad_display.output(), "cannot open X display ':4091'"));
    fail_unless(!exists(file));
    unlink(existing.c_str());
    g_rmdir(folder.c_str());
}
GST_END_TEST;

// Nothing more than asked is recorded: a picture smaller than the file takes
// is refused (once, a 1-pixel region at 0 and an empty name recorded the whole
// screen), and the smallest it takes is recorded at exactly that size.
GST_START_TEST(smaller_than_the_file_takes_is_refused) {
    PaintedScreen screen({1280, 720, 24}, 14);
    TestWindow tiny(screen.display(), "xshm-tiny", 10, 10, 10, 10);
    const std::string mp4 = temp_path("small.mp4"), webm = temp_path("small.webm"),
                      mkv = temp_path("small.mkv");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--region", "1x1+0+0", mp4},
         "cannot record region 1x1+0+0: 1x1 is smaller than MP4 takes (16x16 at least)"},
        {{"--region", "1x720+0+0", mp4}, "region 1x720+0+0: 1x720 is smaller than MP4 takes"},
        {{"--region", "3x1+0+0", mp4}, "region 3x1+0+0: 3x1 is smaller than MP4 takes (16x16"},
        {{"--region", "8x8+0+0", webm}, "region 8x8+0+0: 8x8 is smaller than WebM takes (16x16"},
        {{"--region", "1x1+0+0", mkv}, "1x1 is smaller than Matroska takes (2x2 at least)"},
        {{"--region", "3x1+0+0", mkv}, "3x1 is smaller than Matroska takes (2x2 at least)"},
        {{"--window", "xshm-tiny", mp4},
         "cannot record window 'xshm-tiny': 10x10 is smaller than MP4 takes (16x16 at least)"},
        {{"--window", "", mkv}, "--window needs a window id or name; --list-windows lists them"},
        {{"--monitor", "", mkv}, "--monitor needs a monitor: primary, a name or an index"},
    };
    for (const auto &c : cases) {
        std::vector<std::string> args = {"-t", "1"}; // the old code recorded, until -t
        args.insert(args.end(), c.first.begin(), c.first.end());
        expect_refused(screen, args, c.second, args.back());
    }
    for (const auto &smallest : std::vector<std::pair<std::string, std::string>>{
             {"16x16+0+0", mp4}, {"16x16+0+0", webm}, {"2x2+0+0", mkv}}) {
        ChildProcess *r =
            recorder(screen, {"-q", "-t", "1", "--region", smallest.first, smallest.second});
        const int status = r->wait();
        fail_unless(status == 0, "%s: exit %d: %s", smallest.first.c_str(), status,
                    r->output().c_str());
        delete r;
        const std::string size = probe(smallest.second, "v:0", "stream=width") + "x" +
                                 probe(smallest.second, "v:0", "stream=height");
        unlink(smallest.second.c_str());
        fail_unless(smallest.first.rfind(size + "+", 0) == 0, "%s recorded as %s",
                    smallest.first.c_str(), size.c_str());
    }
}
GST_END_TEST;

// Numbers beyond what the encoders and timers take, and a file that cannot be
// created, are refused in the recorder's own words.
GST_START_TEST(out_of_bounds_numbers_and_files_are_refused) {
    XvfbServer x({320, 240, 24});
    const std::string file = temp_path("bounds.mkv");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--quality", "55", file}, "--quality 55 is out of range for h264 (0-50, x264 CRF)"},
        {{"--codec", "ffv1", "--quality", "5", file}, "--quality does not apply to ffv1"},
        {{"--keyint", "1e9", file}, "--keyint takes seconds from 0.1 to 3600, not '1e9'"},
        {{"-t", "1e16", file}, "-t/--duration takes a positive number of seconds up to 2678400"},
        {{"--audio=", file}, "--audio= needs a device name"},
        {{"/proc/x.mkv"}, "cannot create '/proc/x.mkv': No such file or directory"},
    };
    for (const auto &c : cases) {
        std::vector<std::string> args = {"-t", "1"}; // the old code recorded, until -t
        args.insert(args.end(), c.first.begin(), c.first.end());
        expect_refused(x, args, c.second, args.back());
    }
}
GST_END_TEST;

// A screen wider than H.264 takes (x264: 16384 a side) is recorded scaled to
// fit, the aspect kept, to a file FFmpeg decodes without a word. Needs the
// pipeline's scaling stage to the CaptureTarget's file size.
GST_START_TEST(larger_than_the_codec_takes_is_scaled) {
    XvfbServer x({16400, 64, 24});
    const std::string file = temp_path("wide.mkv");
    ChildProcess *r = recorder(x, {"-t", "1", file});
    const int status = r->wait();
    const std::string output = r->output();
    delete r;
    const std::string size =
        probe(file, "v:0", "stream=width") + "x" + probe(file, "v:0", "stream=height");
    const std::string decoding = command_output("ffmpeg -v error -i '" + file + "' -f null - 2>&1");
    unlink(file.c_str());
    fail_unless(status == 0, "exit %d: %s", status, output.c_str());
    fail_unless(contains(output, "the screen is 16400x64; H.264 takes at most 16384 pixels a "
                                 "side: recording it scaled to 16384x62"),
                "%s", output.c_str());
    fail_unless_text(size, "16384x62");
    fail_unless(decoding.empty(), "ffmpeg: %s", decoding.c_str());
    fail_unless(!contains(output, "GLib"), "GLib spoke: %s", output.c_str());
}
GST_END_TEST;

GST_START_TEST(lost_x_server_finishes_the_file) {
    auto *x = new XvfbServer({320, 240, 24});
    const std::string file = temp_path("lost.mp4");
    ChildProcess *r = recorder(*x, {"-q", "--keyint", "0.5", file});
    g_usleep(2000000);
    x->kill();
    const int status = r->wait();
    const std::string output = r->output();
    delete r;
    delete x;
    fail_unless(status == 1, "exit %d: %s", status, output.c_str());
    fail_unless(contains(output, "lost the connection to X display"), "%s", output.c_str());
    const double duration = probe_seconds(file, "", "format=duration");
    unlink(file.c_str());
    fail_unless(duration > 0.8, "what was recorded was lost (%.3f s)", duration);
}
GST_END_TEST;

// A PulseAudio of the test's own with a null sink playing a tone (both run
// without a sanitizer runtime, as every third-party program: PulseAudio does
// not survive it).
GST_START_TEST(audio_is_recorded_in_sync) {
    XvfbServer x({320, 240, 24});
    PulseServer pulse("xshmtest");
    ChildProcess tone({"gst-launch-1.0", "-q", "audiotestsrc", "is-live=true", "freq=440", "!",
                       "pulsesink", "device=xshmtest"});
    g_usleep(500000);
    for (const char *name : {"audio.mkv", "audio.mp4"}) {
        const std::string file = temp_path(name);
        ChildProcess *r = recorder(x, {"-q", "-t", "3", "--audio=xshmtest.monitor", file});
        const int status = r->wait();
        fail_unless(status == 0, "%s: exit %d: %s", name, status, r->output().c_str());
        delete r;
        const std::string codec = probe(file, "a:0", "stream=codec_name");
        const double video = stream_end(file, "v:0"), audio = stream_end(file, "a:0");
        unlink(file.c_str());
        fail_unless_text(codec, contains(name, ".mp4") ? "aac" : "opus");
        fail_unless(audio > video - 0.2 && audio < video + 0.2, "%s: audio %.3f s, video %.3f s",
                    name, audio, video);
    }
    tone.signal(SIGTERM);
    tone.wait(5000);
}
GST_END_TEST;

GST_START_TEST(progress_only_on_a_terminal) {
    XvfbServer x({320, 240, 24});
    const std::string file = temp_path("progress.mkv");
    ChildProcess *tty = recorder(x, {"-t", "2.5", "-y", file}, true);
    fail_unless_equals_int(tty->wait(), 0);
    const std::string shown = tty->output();
    delete tty;
    fail_unless(contains(shown, "\r\033[K00:00:0") && contains(shown, " frames ("),
                "no status line on a terminal: %s", shown.c_str());
    fail_unless(contains(shown, "wrote " + file), "no summary: %s", shown.c_str());

    ChildProcess *piped = recorder(x, {"-t", "1.5", "-y", file});
    fail_unless_equals_int(piped->wait(), 0);
    const std::string logged = piped->output();
    delete piped;
    fail_unless(!contains(logged, "\r") && !contains(logged, "\033"),
                "control characters without a terminal: %s", logged.c_str());
    fail_unless(contains(logged, "recording the screen") && contains(logged, "wrote " + file));
    fail_unless(contains(logged, "x264enc"), "the encoder is not named: %s", logged.c_str());
    fail_unless(contains(logged, "I420 made by xshmsrc"), "not converted in the source: %s",
                logged.c_str());

    ChildProcess *quiet = recorder(x, {"-q", "-t", "1", "-y", file}, true);
    fail_unless_equals_int(quiet->wait(), 0);
    fail_unless(quiet->output().empty(), "-q printed: %s", quiet->output().c_str());
    delete quiet;
    unlink(file.c_str());
}
GST_END_TEST;

GST_START_TEST(lists_monitors_and_windows) {
    XvfbServer x({640, 480, 24});
    define_monitor(x.display(), "LEFT", 0, 0, 320, 480);
    TestWindow window(x.display(), "xshm-listed", 10, 10, 100, 80);
    ChildProcess *r = recorder(x, {"--list-monitors"});
    fail_unless_equals_int(r->wait(), 0);
    fail_unless(contains(r->output(), "0: LEFT 320x480+0+0"), "%s", r->output().c_str());
    delete r;
    r = recorder(x, {"--list-windows"});
    fail_unless_equals_int(r->wait(), 0);
    fail_unless(contains(r->output(), "'xshm-listed' 100x80"), "%s", r->output().c_str());
    delete r;
    r = recorder(x, {"--help"});
    fail_unless_equals_int(r->wait(), 0);
    fail_unless(contains(r->output(), "Usage: xshm-record"));
    delete r;
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(every_container_and_codec)                                                           \
    XSHM_CASE(timeline_follows_the_paint_and_the_stop)                                             \
    XSHM_CASE(sigterm_and_sighup_finish_the_file)                                                  \
    XSHM_CASE(killed_recording_stays_playable)                                                     \
    XSHM_CASE(second_ctrl_c_aborts)                                                                \
    XSHM_CASE(bad_input_is_refused_before_recording)                                               \
    XSHM_CASE(smaller_than_the_file_takes_is_refused)                                              \
    XSHM_CASE(out_of_bounds_numbers_and_files_are_refused)                                         \
    XSHM_CASE(larger_than_the_codec_takes_is_scaled)                                               \
    XSHM_CASE(lost_x_server_finishes_the_file)                                                     \
    XSHM_CASE(audio_is_recorded_in_sync)                                                           \
    XSHM_CASE(progress_only_on_a_terminal)                                                         \
    XSHM_CASE(lists_monitors_and_windows)

XSHM_SUITE(recorder, 120)
