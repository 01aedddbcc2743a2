// SPDX-License-Identifier: LGPL-2.1-or-later
// Rates a live source must keep: into a sink that syncs on the clock, with no
// queue, xshmsrc delivers the rate asked for (its latency answer must not let
// the sink hold the capturing thread past the next frame time). Real time is
// measured here, so this suite is left out of the valgrind run.
#include <atomic>
#include <string>

#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

GstPadProbeReturn count_buffer(GstPad *, GstPadProbeInfo *, gpointer counter) {
    ++*static_cast<std::atomic<int> *>(counter);
    return GST_PAD_PROBE_OK;
}

// Frames reaching a syncing fakesink in `seconds`, after a second to settle.
double delivered_rate(const XvfbServer &x, int rate, const std::string &between) {
    const std::string description =
        "xshmsrc display-name=" + x.display() +
        " show-pointer=false ! video/x-raw,framerate=" + std::to_string(rate) + "/1 ! " + between +
        "fakesink name=sink sync=true";
    GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
    fail_unless(pipeline != nullptr);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    std::atomic<int> frames{0};
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &frames, nullptr);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    g_usleep(G_USEC_PER_SEC);
    const int before = frames;
    const gint64 begin = g_get_monotonic_time();
    g_usleep(2 * G_USEC_PER_SEC);
    const int counted = frames - before;
    const double seconds = double(g_get_monotonic_time() - begin) / G_USEC_PER_SEC;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pad);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return counted / seconds;
}

void expect_rate(int rate, const std::string &between) {
    XvfbServer x({320, 240, 24});
    const double got = delivered_rate(x, rate, between);
    fail_unless(got >= 0.9 * rate && got <= 1.05 * rate, "asked %d fps through '%s', got %.1f",
                rate, between.c_str(), got);
}

} // namespace

GST_START_TEST(sixty_fps_into_a_syncing_sink_without_a_queue) {
    expect_rate(60, "");
    expect_rate(60, "videoconvert ! video/x-raw,format=I420 ! ");
}
GST_END_TEST;

GST_START_TEST(one_hundred_forty_four_fps_into_a_syncing_sink_without_a_queue) {
    expect_rate(144, "");
    expect_rate(144, "videoconvert ! video/x-raw,format=I420 ! ");
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(sixty_fps_into_a_syncing_sink_without_a_queue)                                       \
    XSHM_CASE(one_hundred_forty_four_fps_into_a_syncing_sink_without_a_queue)

XSHM_SUITE(timing, 60)
