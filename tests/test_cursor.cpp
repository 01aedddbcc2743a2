// SPDX-License-Identifier: LGPL-2.1-or-later
// The pointer in captured frames: at the right place, with the right pixels,
// gone from where it was, and its image fetched only when it changes.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gst/video/video.h>
#include <xcb/xfixes.h>

#include "support/capture_pipeline.h"
#include "support/cursor_image.h"
#include "support/expectations.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

GST_START_TEST(cursor_is_drawn_at_the_pointer) {
    PaintedScreen screen({320, 240, 24}, 31);
    screen.warp_pointer(100, 80);
    const CursorImage cur = read_cursor(screen.display());
    fail_unless(cur.width > 0 && cur.height > 0);
    const auto expected = with_cursor(screen, cur, 100, 80);
    fail_unless(expected != screen.expected(0, 0, 320, 240), "the cursor image is invisible");
    CapturePipeline cp("display-name=" + screen.display() + " show-pointer=true use-damage=false");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, expected, 320, 240, 4, "the cursor at 100,80");
    CapturePipeline hidden("display-name=" + screen.display() + " show-pointer=false");
    fail_unless_equals_int(hidden.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(hidden, screen, "the screen without the pointer");
}
GST_END_TEST;

GST_START_TEST(moving_pointer_leaves_nothing_behind) {
    PaintedScreen screen({320, 240, 24}, 32);
    const CursorImage cur = read_cursor(screen.display());
    CapturePipeline cp("display-name=" + screen.display() + " show-pointer=true", "framerate=100/1",
                       1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    // A still screen with damage on: only the pointer moves, slots are reused.
    const int spots[][2] = {{20, 20}, {200, 150}, {21, 22}, {310, 230}, {0, 0}, {160, 120}};
    for (const auto &spot : spots) {
        screen.warp_pointer(spot[0], spot[1]);
        expect_frame(cp, with_cursor(screen, cur, spot[0], spot[1]), 320, 240, 4,
                     "the moved cursor");
    }
    // Moves need positions, not images: the image was read once.
    fail_unless_equals_uint64(stat_of(cp.source(), "cursor-image-fetches"), 1);
    // A region: the cursor is clipped at its edges.
    CapturePipeline region("display-name=" + screen.display() +
                           " show-pointer=true startx=150 starty=100 endx=169 endy=129");
    fail_unless_equals_int(region.play(), GST_STATE_CHANGE_SUCCESS);
    const auto whole = with_cursor(screen, cur, 160, 120);
    std::vector<uint8_t> part;
    for (unsigned y = 100; y < 130; ++y)
        part.insert(part.end(), whole.begin() + (y * 320 + 150) * 4,
                    whole.begin() + (y * 320 + 170) * 4);
    expect_frame(region, part, 20, 30, 4, "the clipped cursor");
}
GST_END_TEST;

GST_START_TEST(cursor_on_the_fallback_path) {
    XvfbOptions options(320, 240, 24);
    options.listen_tcp = true;
    PaintedScreen screen(options, 33);
    screen.warp_pointer(50, 60);
    const CursorImage cur = read_cursor(screen.display());
    CapturePipeline cp("display-name=" + screen.tcp_display() + " show-pointer=true");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, with_cursor(screen, cur, 50, 60), 320, 240, 4, "the cursor over GetImage");
    fail_unless_text(cp.source_string("capture-path"), "get-image");
}
GST_END_TEST;

GST_START_TEST(show_pointer_toggled_while_playing) {
    PaintedScreen screen({320, 240, 24}, 35);
    screen.warp_pointer(140, 100);
    const CursorImage cur = read_cursor(screen.display());
    const auto plain = screen.expected(0, 0, 320, 240);
    CapturePipeline cp("display-name=" + screen.display() + " show-pointer=false", "framerate=60/1",
                       1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, plain, 320, 240, 4, "the screen without the pointer");
    g_object_set(cp.source(), "show-pointer", TRUE, nullptr);
    expect_frame(cp, with_cursor(screen, cur, 140, 100), 320, 240, 4, "the pointer switched on");
    g_object_set(cp.source(), "show-pointer", FALSE, nullptr);
    // Every slot it was drawn into is refetched: none shows it afterwards.
    expect_frame(cp, plain, 320, 240, 4, "the pointer switched off");
    for (int i = 0; i < 20; ++i)
        expect_frame(cp, plain, 320, 240, 4, "a frame without the pointer", 1);
}
GST_END_TEST;

// Makes appsink say it composes overlays, as a compositor or sink would.
static GstPadProbeReturn accept_overlays(GstPad *, GstPadProbeInfo *info, gpointer) {
    GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
    if (GST_QUERY_TYPE(query) == GST_QUERY_ALLOCATION)
        gst_query_add_allocation_meta(query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, nullptr);
    return GST_PAD_PROBE_OK;
}

GST_START_TEST(cursor_as_overlay_meta) {
    PaintedScreen screen({320, 240, 24}, 34);
    screen.warp_pointer(120, 90);
    const CursorImage cur = read_cursor(screen.display());
    CapturePipeline cp("display-name=" + screen.display() + " show-pointer=true");
    GstPad *pad = gst_element_get_static_pad(GST_ELEMENT(cp.sink()), "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, accept_overlays, nullptr, nullptr);
    gst_object_unref(pad);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    // The pixels are the screen's alone ...
    GstBuffer *b = pull_matching_frame(cp, screen.expected(0, 0, 320, 240), 320, 240, 4,
                                       "the screen without the pointer", 30);
    // ... and the pointer rides along as one overlay rectangle.
    GstVideoOverlayCompositionMeta *meta = gst_buffer_get_video_overlay_composition_meta(b);
    fail_unless(meta != nullptr, "no overlay composition meta");
    fail_unless_equals_int(int(gst_video_overlay_composition_n_rectangles(meta->overlay)), 1);
    GstVideoOverlayRectangle *rect = gst_video_overlay_composition_get_rectangle(meta->overlay, 0);
    gint rx = 0, ry = 0;
    guint rw = 0, rh = 0;
    gst_video_overlay_rectangle_get_render_rectangle(rect, &rx, &ry, &rw, &rh);
    fail_unless_equals_int(rx, 120 - cur.xhot);
    fail_unless_equals_int(ry, 90 - cur.yhot);
    fail_unless_equals_int(int(rw), cur.width);
    fail_unless_equals_int(int(rh), cur.height);
    GstBuffer *pixels = gst_video_overlay_rectangle_get_pixels_unscaled_raw(
        rect, GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
    GstMapInfo map;
    fail_unless(gst_buffer_map(pixels, &map, GST_MAP_READ));
    fail_unless(map.size == cur.argb.size() * 4 &&
                    std::memcmp(map.data, cur.argb.data(), map.size) == 0,
                "overlay pixels differ from the cursor image");
    gst_buffer_unmap(pixels, &map);
    gst_buffer_unref(b);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(cursor_is_drawn_at_the_pointer)                                                      \
    XSHM_CASE(moving_pointer_leaves_nothing_behind)                                                \
    XSHM_CASE(cursor_on_the_fallback_path)                                                         \
    XSHM_CASE(cursor_as_overlay_meta)                                                              \
    XSHM_CASE(show_pointer_toggled_while_playing)

XSHM_SUITE(cursor, 120)
