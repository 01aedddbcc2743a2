// SPDX-License-Identifier: LGPL-2.1-or-later
// Encoder-ready frames made in the source: I420/NV12/Y444 equal libyuv's
// conversion of what was painted (and videoconvert's within 2), only changed
// rows are converted, and every frame is one screen state that existed.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <libyuv/convert_from_argb.h>

#include "support/capture_pipeline.h"
#include "support/cursor_image.h"
#include "support/expectations.h"
#include "support/randr_monitors.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/test_window.h"
#include "support/xvfb_server.h"
#include "yuv_conversion.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;
using xshm::OutputFormat;

namespace {

// libyuv's conversion of packed BGRx rows, in GStreamer's default layout.
__attribute__((no_sanitize_thread)) std::vector<uint8_t>
reference(const std::vector<uint8_t> &bgrx, unsigned w, unsigned h, OutputFormat f) {
    const xshm::PlaneLayout l = xshm::plane_layout(f, w, h);
    std::vector<uint8_t> out(l.size, 0);
    uint8_t *y = out.data() + l.offset[0], *u = out.data() + l.offset[1];
    uint8_t *v = out.data() + l.offset[2];
    const int s = int(w * 4);
    if (f == OutputFormat::I420)
        libyuv::ARGBToI420(bgrx.data(), s, y, int(l.stride[0]), u, int(l.stride[1]), v,
                           int(l.stride[2]), int(w), int(h));
    else if (f == OutputFormat::NV12)
        libyuv::ARGBToNV12(bgrx.data(), s, y, int(l.stride[0]), u, int(l.stride[1]), int(w),
                           int(h));
    else
        libyuv::ARGBToI444(bgrx.data(), s, y, int(l.stride[0]), u, int(l.stride[1]), v,
                           int(l.stride[2]), int(w), int(h));
    return out;
}

// The visible bytes of each plane of `frame` (padding left out).
__attribute__((no_sanitize_thread)) std::vector<uint8_t> visible(const uint8_t *data, unsigned w,
                                                                 unsigned h, OutputFormat f) {
    GstVideoInfo info;
    gst_video_info_set_format(&info, gst_video_format_from_string(xshm::output_format_name(f)), w,
                              h);
    std::vector<uint8_t> bytes;
    for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p) {
        const unsigned rows = GST_VIDEO_INFO_COMP_HEIGHT(&info, p);
        const unsigned row_bytes =
            GST_VIDEO_INFO_COMP_WIDTH(&info, p) * GST_VIDEO_INFO_COMP_PSTRIDE(&info, p);
        for (unsigned r = 0; r < rows; ++r) {
            const uint8_t *row = data + GST_VIDEO_INFO_PLANE_OFFSET(&info, p) +
                                 std::size_t(r) * GST_VIDEO_INFO_PLANE_STRIDE(&info, p);
            bytes.insert(bytes.end(), row, row + row_bytes);
        }
    }
    return bytes;
}

std::vector<uint8_t> visible_of(GstBuffer *b, unsigned w, unsigned h, OutputFormat f) {
    GstMapInfo map;
    fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
    auto bytes = visible(map.data, w, h, f);
    gst_buffer_unmap(b, &map);
    return bytes;
}

// videoconvert's conversion of the same rows to the same colorimetry.
std::vector<uint8_t> by_videoconvert(const std::vector<uint8_t> &bgrx, unsigned w, unsigned h,
                                     OutputFormat f) {
    const std::string description =
        "appsrc name=in caps=video/x-raw,format=BGRx,width=" + std::to_string(w) +
        ",height=" + std::to_string(h) +
        ",framerate=0/1 ! videoconvert ! video/x-raw,format=" + xshm::output_format_name(f) +
        ",colorimetry=bt601,chroma-site=jpeg ! appsink name=out";
    GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
    GstElement *in = gst_bin_get_by_name(GST_BIN(pipeline), "in");
    GstElement *out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBuffer *buffer = gst_buffer_new_memdup(bgrx.data(), bgrx.size());
    gst_app_src_push_buffer(GST_APP_SRC(in), buffer);
    GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(out));
    fail_unless(sample != nullptr);
    auto bytes = visible_of(gst_sample_get_buffer(sample), w, h, f);
    gst_sample_unref(sample);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(in);
    gst_object_unref(out);
    gst_object_unref(pipeline);
    return bytes;
}

int largest_difference(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b) {
    int most = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        most = std::max(most, std::abs(int(a[i]) - int(b[i])));
    return a.size() == b.size() ? most : 1000;
}

uint64_t hash_bytes(const std::vector<uint8_t> &bytes) { return fnv1a(bytes.data(), bytes.size()); }

// Pulls until a frame's visible bytes equal `want`; fails after 60.
void wait_for_frame(CapturePipeline &cp, const std::vector<uint8_t> &want, unsigned w, unsigned h,
                    OutputFormat f, const char *what) {
    const FrameCheck same = [&](GstBuffer *b) -> std::string {
        return visible_of(b, w, h, f) == want ? "" : "other bytes";
    };
    gst_buffer_unref(pull_until(cp, same, what, 60));
}

} // namespace

GST_START_TEST(converted_frames_equal_libyuv_and_videoconvert) {
    PaintedScreen screen({317, 239, 24}, 60); // odd sizes: the last chroma column and row are half
    const auto painted = screen.expected(0, 0, 317, 239);
    for (OutputFormat f : xshm::converted_formats()) {
        const xshm::PlaneLayout l = xshm::plane_layout(f, 317, 239);
        GstVideoInfo info;
        gst_video_info_set_format(&info, gst_video_format_from_string(xshm::output_format_name(f)),
                                  317, 239);
        fail_unless(l.size == info.size && l.stride[1] == gsize(info.stride[1]) &&
                        l.offset[1] == info.offset[1],
                    "%s: not GStreamer's layout", xshm::output_format_name(f));
        CapturePipeline cp("display-name=" + screen.display(),
                           std::string("format=") + xshm::output_format_name(f));
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr);
        const auto frame = visible_of(b, 317, 239, f);
        gst_buffer_unref(b);
        const auto want = visible(reference(painted, 317, 239, f).data(), 317, 239, f);
        fail_unless(frame == want, "%s differs from libyuv's conversion",
                    xshm::output_format_name(f));
        const int diff = largest_difference(frame, by_videoconvert(painted, 317, 239, f));
        fail_unless(diff <= 2, "%s: %d away from videoconvert", xshm::output_format_name(f), diff);
        fail_unless_text(caps_string(cp.source(), "colorimetry"), "bt601");
        fail_unless_text(caps_string(cp.source(), "chroma-site"), "jpeg");
    }
}
GST_END_TEST;

GST_START_TEST(only_changed_rows_are_converted) {
    PaintedScreen screen({320, 240, 24}, 61);
    CapturePipeline cp("display-name=" + screen.display(), "format=I420,framerate=60/1", 2);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    wait_for_frame(
        cp,
        visible(reference(screen.expected(0, 0, 320, 240), 320, 240, OutputFormat::I420).data(),
                320, 240, OutputFormat::I420),
        320, 240, OutputFormat::I420, "the screen");
    for (int i = 0; i < 10; ++i)
        gst_buffer_unref(cp.pull());
    const guint64 still = stat_of(cp.source(), "bytes-converted");
    for (int i = 0; i < 20; ++i)
        gst_buffer_unref(cp.pull());
    fail_unless_equals_uint64(stat_of(cp.source(), "bytes-converted"),
                              still); // repeats: no conversion at all
    guint64 before = 0;
    for (int change = 0; change < 2; ++change) {
        // A frame never used before is converted whole once; the second change
        // finds frames that were, and converts only rows 100..109 (pairs).
        before = stat_of(cp.source(), "bytes-converted");
        screen.fill_rect(0, 101, 320, 9, 0x40c0ff + uint32_t(change));
        screen.sync();
        const auto want =
            visible(reference(screen.expected(0, 0, 320, 240), 320, 240, OutputFormat::I420).data(),
                    320, 240, OutputFormat::I420);
        wait_for_frame(cp, want, 320, 240, OutputFormat::I420, "the change");
        for (int i = 0; i < 10; ++i)
            gst_buffer_unref(cp.pull());
    }
    const guint64 grew = stat_of(cp.source(), "bytes-converted") - before;
    // Each pooled frame converts the 10 rows once (a few frames are in flight).
    fail_unless(grew > 0 && grew <= 6 * 10 * 320 * 4, "%" G_GUINT64_FORMAT " bytes converted",
                grew);
}
GST_END_TEST;

// Rectangles drawn as fast as the server takes them: every I420 frame is the
// conversion of one drawn state, with the pointer drawn in, or as an overlay.
static void check_drawn_states(bool overlay) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    p.fill_rect(0, 0, 320, 240, 0x203040);
    p.warp_pointer(150, 110);
    p.sync();
    const CursorImage cursor = read_cursor(x.display());
    auto state = [&] {
        return hash_bytes(
            reference(overlay ? p.expected(0, 0, 320, 240) : with_cursor(p, cursor, 150, 110), 320,
                      240, OutputFormat::I420));
    };
    std::set<uint64_t> drawn{state()};
    CapturePipeline cp("display-name=" + x.display() + " show-pointer=true",
                       "format=I420,framerate=500/1", 4);
    if (overlay) {
        GstPad *pad = gst_element_get_static_pad(GST_ELEMENT(cp.sink()), "sink");
        gst_pad_add_probe(
            pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
            [](GstPad *, GstPadProbeInfo *info, gpointer) {
                GstQuery *q = GST_PAD_PROBE_INFO_QUERY(info);
                if (GST_QUERY_TYPE(q) == GST_QUERY_ALLOCATION)
                    gst_query_add_allocation_meta(q, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE,
                                                  nullptr);
                return GST_PAD_PROBE_OK;
            },
            nullptr, nullptr);
        gst_object_unref(pad);
    }
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    std::mt19937 rng(9);
    int frames = 0;
    auto check_queued = [&] {
        while (GstBuffer *b = cp.pull(0)) {
            GstMapInfo map;
            gst_buffer_map(b, &map, GST_MAP_READ);
            const uint64_t h = fnv1a(map.data, map.size);
            gst_buffer_unmap(b, &map);
            fail_unless(!overlay || gst_buffer_get_video_overlay_composition_meta(b) != nullptr);
            gst_buffer_unref(b);
            fail_unless(drawn.count(h) == 1, "frame %d is not the conversion of a drawn state",
                        frames);
            ++frames;
        }
    };
    for (int i = 0; i < 600; ++i) {
        // Mostly typing-sized (rows fetched and converted), every other one tall
        // (whole fetches, raced by the next rectangle).
        const unsigned w = 1 + rng() % 60, h = 1 + rng() % (i % 2 == 0 ? 200 : 30);
        p.fill_rect(int(rng() % (320 - w)), int(rng() % (240 - h)), w, h, rng() & 0xffffff);
        p.sync();
        drawn.insert(state());
        check_queued();
        if (i % 4 == 0)
            g_usleep(1000);
    }
    wait_for_frame(
        cp,
        visible(reference(overlay ? p.expected(0, 0, 320, 240) : with_cursor(p, cursor, 150, 110),
                          320, 240, OutputFormat::I420)
                    .data(),
                320, 240, OutputFormat::I420),
        320, 240, OutputFormat::I420, "the last state");
    fail_unless(frames > 50, "only %d frames checked", frames);
}

GST_START_TEST(every_converted_frame_is_a_drawn_state) {
    check_drawn_states(false);
    check_drawn_states(true);
}
GST_END_TEST;

GST_START_TEST(resize_and_window_on_the_converted_path) {
    XvfbServer x({640, 480, 24});
    CapturePipeline cp("display-name=" + x.display(), "format=I420", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(cp.pull());
    run_xrandr(x.display(), "--fb 320x240", false);
    ScreenPainter p(x.display());
    p.paint_pattern(62);
    wait_for_frame(
        cp,
        visible(reference(p.expected(0, 0, 320, 240), 320, 240, OutputFormat::I420).data(), 320,
                240, OutputFormat::I420),
        320, 240, OutputFormat::I420, "the resized screen");
    fail_unless_text(caps_format(cp.source()), "I420");
    fail_unless_text(caps_string(cp.source(), "colorimetry"), "bt601");

    TestWindow window(x.display(), "xshm-yuv-window", 20, 30, 120, 80);
    window.paint(63);
    CapturePipeline w("display-name=" + x.display() + " xid=" + std::to_string(window.id()),
                      "format=NV12", 1);
    fail_unless_equals_int(w.play(), GST_STATE_CHANGE_SUCCESS);
    wait_for_frame(w,
                   visible(reference(window.expected(), 120, 80, OutputFormat::NV12).data(), 120,
                           80, OutputFormat::NV12),
                   120, 80, OutputFormat::NV12, "the window");
    // Moved, same size: the caps stay as they are, the converted frames go on.
    window.move(200, 100);
    window.paint(64);
    wait_for_frame(w,
                   visible(reference(window.expected(), 120, 80, OutputFormat::NV12).data(), 120,
                           80, OutputFormat::NV12),
                   120, 80, OutputFormat::NV12, "the moved window");
}
GST_END_TEST;

// Where nothing is converted (GetImage, 16-bit screens) only the native format
// is offered; a BGRx sink behind videoconvert keeps the zero-copy path.
GST_START_TEST(native_format_where_nothing_is_converted) {
    XvfbServer x({320, 240, 24});
    XvfbServer x16({320, 240, 16});
    for (const std::string &props :
         {"display-name=" + x.display() + " remote=true", "display-name=" + x16.display()}) {
        CapturePipeline cp(props, "pixel-aspect-ratio=1/1");
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        GstPad *pad = gst_element_get_static_pad(cp.source(), "src");
        GstCaps *caps = gst_pad_query_caps(pad, nullptr);
        gchar *text = gst_caps_to_string(caps);
        fail_unless(strstr(text, "I420") == nullptr, "%s offers %s", props.c_str(), text);
        g_free(text);
        gst_caps_unref(caps);
        gst_object_unref(pad);
    }
    GstElement *pipeline = gst_parse_launch(("xshmsrc name=src display-name=" + x.display() +
                                             " ! videoconvert ! video/x-raw,format=BGRx ! fakesink")
                                                .c_str(),
                                            nullptr);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    gst_element_get_state(pipeline, nullptr, nullptr, 5 * GST_SECOND);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad *pad = gst_element_get_static_pad(src, "src");
    GstCaps *caps = nullptr;
    for (int i = 0; i < 100 && (caps = gst_pad_get_current_caps(pad)) == nullptr; ++i)
        g_usleep(20000);
    fail_unless(caps != nullptr);
    gst_caps_unref(caps);
    fail_unless_text(caps_format(src), "BGRx");
    gst_object_unref(pad);
    gst_object_unref(src);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(converted_frames_equal_libyuv_and_videoconvert)                                      \
    XSHM_CASE(only_changed_rows_are_converted)                                                     \
    XSHM_CASE(every_converted_frame_is_a_drawn_state)                                              \
    XSHM_CASE(resize_and_window_on_the_converted_path)                                             \
    XSHM_CASE(native_format_where_nothing_is_converted)

XSHM_SUITE(convert, 120)
