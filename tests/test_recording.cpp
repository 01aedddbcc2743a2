// SPDX-License-Identifier: LGPL-2.1-or-later
// Content-driven recordings into real encoders and muxers: the file holds
// every frame the source pushed (changes, keepalives, the closing frame), each
// at the time it was captured, in the colour that was painted, and it lasts
// until the recording was stopped.
#include <atomic>
#include <csignal>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "support/child_process.h"
#include "support/expectations.h"
#include "support/media_file.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

constexpr GstClockTime kPeriod = GST_SECOND / 30; // max-framerate
constexpr int kTolerance = 14;                    // colour error of lossy 4:2:0 coding
const uint32_t kColours[] = {0x204080, 0xc03020, 0x30c040, 0xe0e020, 0x2020d0};

// A paint happened somewhere in [before, after]: the test thread can be
// descheduled on either side of it.
struct Paint {
    GstClockTime before, after;
    uint32_t colour;
};

// A frame is captured from `pts` (the capture's start) to `pushed` at latest.
struct Pushed {
    GstClockTime pts, pushed;
};

struct Recording {
    std::string file;
    // PTS of every frame the source pushed (written by the streaming thread,
    // read once it stopped; `count` says how far it got meanwhile).
    std::vector<Pushed> pushed;
    std::atomic<int> count{0};
    GstElement *pipeline = nullptr;
    std::vector<Paint> paints;
    GstClockTime stop = 0;
    guint64 keepalives = 0, closings = 0;
};

GstPadProbeReturn note_pts(GstPad *, GstPadProbeInfo *info, gpointer data) {
    auto *r = static_cast<Recording *>(data);
    r->pushed.push_back({GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)),
                         gst_element_get_current_running_time(r->pipeline)});
    ++r->count;
    return GST_PAD_PROBE_OK;
}

// Paints four colour changes, stays still (keepalives every 500 ms), then ends
// the stream as an application does: EOS sent to the pipeline.
void record(const std::string &encode_and_mux, const std::string &extension, Recording &r) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    p.fill_rect(0, 0, 320, 240, kColours[0]);
    p.sync();
    r.file = std::string(g_get_tmp_dir()) + "/xshm-recording-" + std::to_string(getpid()) + "." +
             extension;
    const std::string description = "xshmsrc name=src display-name=" + x.display() +
                                    " show-pointer=false skip-unchanged=true keepalive-time=500 ! "
                                    "video/x-raw,max-framerate=30/1"
                                    " ! videoconvert ! " +
                                    encode_and_mux + " ! filesink location=" + r.file;
    GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
    fail_unless(pipeline != nullptr, "cannot build %s", description.c_str());
    r.pipeline = pipeline;
    GstElement *source = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(source, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, note_pts, &r, nullptr);
    gst_object_unref(pad);
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    // Not get_state(): the file sink prerolls only once the encoder's first frame is out.
    for (int i = 0; i < 500 && r.count == 0; ++i)
        g_usleep(10000);
    fail_unless(r.count > 0, "no frame captured");
    r.paints.push_back({0, 0, kColours[0]});
    for (int i = 1; i < 5; ++i) {
        g_usleep(i == 1 ? 300000 : 250000);
        const GstClockTime before = gst_element_get_current_running_time(pipeline);
        p.fill_rect(0, 0, 320, 240, kColours[i]);
        p.sync();
        r.paints.push_back({before, gst_element_get_current_running_time(pipeline), kColours[i]});
    }
    g_usleep(1150000);
    r.stop = gst_element_get_current_running_time(pipeline);
    gst_element_send_event(pipeline, gst_event_new_eos());
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *end = gst_bus_timed_pop_filtered(
        bus, 20 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    fail_unless(end != nullptr && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS,
                "the recording did not end with EOS");
    gst_message_unref(end);
    gst_object_unref(bus);
    r.keepalives = stat_of(source, "keepalive-frames");
    r.closings = stat_of(source, "closing-frames");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(source);
    gst_object_unref(pipeline);
}

// Whether a frame captured between frame.pts and frame.pushed may show the
// paint `k`: it may have happened by then, and the next paint may not have
// been done before the capture began.
bool may_show(const Recording &r, const Pushed &frame, std::size_t k) {
    const bool next_done_before = k + 1 < r.paints.size() && r.paints[k + 1].after <= frame.pts;
    return r.paints[k].before <= frame.pushed && !next_done_before;
}

bool shows_a_paint_of_its_time(const Recording &r, const Pushed &frame, uint32_t rgb) {
    for (std::size_t k = 0; k < r.paints.size(); ++k)
        if (may_show(r, frame, k) && colour_near(rgb, r.paints[k].colour, kTolerance))
            return true;
    return false;
}

void check_file(const Recording &r) {
    const std::vector<DecodedFrame> frames = decode_frames(r.file);
    const GstClockTime duration = file_duration(r.file);

    unlink(r.file.c_str());
    // Pushed: the first frame, 4 changes, 2 keepalives in the still second, the closing frame.
    fail_unless_equals_int(int(r.pushed.size()), 1 + 4 + int(r.keepalives) + int(r.closings));
    fail_unless(r.keepalives == 2 && r.closings == 1,
                "%" G_GUINT64_FORMAT " keepalives, %" G_GUINT64_FORMAT " closing", r.keepalives,
                r.closings);
    fail_unless_equals_int(int(frames.size()), int(r.pushed.size()));
    for (std::size_t i = 0; i < frames.size(); ++i) {
        // Each frame at the time it was captured (to a millisecond of container precision) ...
        const GstClockTime in_file = frames[i].pts - frames[0].pts;
        const GstClockTime captured = r.pushed[i].pts - r.pushed[0].pts;
        fail_unless(in_file + GST_MSECOND >= captured && in_file <= captured + GST_MSECOND,
                    "frame %zu at %" GST_TIME_FORMAT " in the file, captured at %" GST_TIME_FORMAT,
                    i, GST_TIME_ARGS(in_file), GST_TIME_ARGS(captured));
        // ... showing what was painted then.
        fail_unless(shows_a_paint_of_its_time(r, r.pushed[i], frames[i].rgb),
                    "frame %zu is #%06x, captured from %" GST_TIME_FORMAT " to %" GST_TIME_FORMAT
                    ", not a colour painted then",
                    i, frames[i].rgb, GST_TIME_ARGS(r.pushed[i].pts),
                    GST_TIME_ARGS(r.pushed[i].pushed));
    }
    // Every change is in the file, stamped within a frame time of its painting.
    for (std::size_t k = 1; k < r.paints.size(); ++k) {
        bool found = false;
        for (const Pushed &frame : r.pushed)
            found = found || (frame.pts + 5 * GST_MSECOND >= r.paints[k].before &&
                              frame.pts <= r.paints[k].after + kPeriod + 25 * GST_MSECOND);
        fail_unless(found, "no frame near change %zu at %" GST_TIME_FORMAT, k,
                    GST_TIME_ARGS(r.paints[k].after));
    }
    // It lasts until the stop: the closing frame is on the frame grid at or
    // after it and lasts one period (to a millisecond of container precision).
    const GstClockTime recorded = r.stop - r.pushed[0].pts;
    fail_unless(GST_CLOCK_TIME_IS_VALID(duration) && duration + kPeriod >= recorded &&
                    duration <= recorded + 2 * kPeriod + GST_MSECOND,
                "file lasts %" GST_TIME_FORMAT ", recorded %" GST_TIME_FORMAT,
                GST_TIME_ARGS(duration), GST_TIME_ARGS(recorded));
}

void check_recording(const std::string &encode_and_mux, const std::string &extension) {
    Recording r;
    record(encode_and_mux, extension, r);
    check_file(r);
}

} // namespace

GST_START_TEST(h264_in_matroska) {
    check_recording("x264enc speed-preset=ultrafast ! matroskamux", "mkv");
}
GST_END_TEST;

GST_START_TEST(h264_in_mp4) { check_recording("x264enc speed-preset=ultrafast ! mp4mux", "mp4"); }
GST_END_TEST;

GST_START_TEST(h264_in_fragmented_mp4) {
    check_recording("x264enc speed-preset=ultrafast ! mp4mux fragment-duration=500 "
                    "fragment-mode=first-moov-then-finalise",
                    "mp4");
}
GST_END_TEST;

GST_START_TEST(vp8_in_webm) { check_recording("vp8enc deadline=1 ! webmmux", "webm"); }
GST_END_TEST;

GST_START_TEST(ffv1_in_matroska) { check_recording("avenc_ffv1 ! matroskamux", "mkv"); }
GST_END_TEST;

// gst-launch-1.0 -e stopped with Ctrl-C: the file lasts until the stop, not
// until the last change (a still screen once gave a 0.03 s file).
GST_START_TEST(gst_launch_e_records_until_ctrl_c) {
    XvfbServer x({320, 240, 24});
    const std::string file =
        std::string(g_get_tmp_dir()) + "/xshm-ctrl-c-" + std::to_string(getpid()) + ".mkv";
    const gint64 begin = g_get_monotonic_time();
    std::unique_ptr<ChildProcess> launch(ChildProcess::gst_launch(
        {"-q", "-e", "xshmsrc", "display-name=" + x.display(), "skip-unchanged=true", "!",
         "videoconvert", "!", "x264enc", "speed-preset=ultrafast", "!", "matroskamux", "!",
         "filesink", "location=" + file}));
    g_usleep(2500000);
    launch->signal(SIGINT);
    const double elapsed = double(g_get_monotonic_time() - begin) / G_USEC_PER_SEC;
    const int status = launch->wait();
    fail_unless(status == 0, "gst-launch-1.0 failed (%d): %s", status, launch->output().c_str());
    const GstClockTime duration = file_duration(file);
    const std::vector<DecodedFrame> frames = decode_frames(file);
    unlink(file.c_str());
    // gst-launch-1.0 needs a moment to start; the file must cover the rest.
    fail_unless(GST_CLOCK_TIME_IS_VALID(duration) &&
                    double(duration) / GST_SECOND >= elapsed - 0.8 &&
                    double(duration) / GST_SECOND <= elapsed + 0.1,
                "file lasts %" GST_TIME_FORMAT " of %.2f s", GST_TIME_ARGS(duration), elapsed);
    fail_unless_equals_int(int(frames.size()), 2); // the still screen and the closing frame
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(h264_in_matroska)                                                                    \
    XSHM_CASE(h264_in_mp4)                                                                         \
    XSHM_CASE(h264_in_fragmented_mp4)                                                              \
    XSHM_CASE(vp8_in_webm)                                                                         \
    XSHM_CASE(ffv1_in_matroska)                                                                    \
    XSHM_CASE(gst_launch_e_records_until_ctrl_c)

XSHM_SUITE(recording, 120)
