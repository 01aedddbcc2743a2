// SPDX-License-Identifier: LGPL-2.1-or-later
// Damage-aware capture: every frame is a screen state that was drawn, a still
// screen costs no copy, a small change fetches about its own size.
#include <cstring>
#include <random>
#include <set>
#include <string>

#include <gst/video/video.h>

#include "support/capture_pipeline.h"
#include "support/expectations.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

// Byte loops over whole frames: not worth ThreadSanitizer's per-byte checks.
__attribute__((no_sanitize_thread)) uint64_t hash_frame(GstBuffer *b, unsigned width,
                                                        unsigned height, unsigned bpp) {
    GstVideoMeta *meta = gst_buffer_get_video_meta(b);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    uint64_t h = kFnvStart;
    for (unsigned y = 0; y < height; ++y)
        h = fnv1a(map.data + std::size_t(y) * meta->stride[0], width * bpp, h);
    gst_buffer_unmap(b, &map);
    return h;
}

__attribute__((no_sanitize_thread)) uint64_t hash_screen(ScreenPainter &p) {
    const auto bytes = p.expected(0, 0, p.width(), p.height());
    return fnv1a(bytes.data(), bytes.size());
}

} // namespace

GST_START_TEST(every_frame_is_a_drawn_state) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    p.fill_rect(0, 0, 320, 240, 0x203040);
    p.sync();
    std::set<uint64_t> drawn{hash_screen(p)};
    CapturePipeline cp("display-name=" + x.display(), "framerate=500/1", 4);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    std::mt19937 rng(7);
    int frames = 0;
    auto check_queued = [&] {
        while (GstBuffer *b = cp.pull(0)) {
            const uint64_t h = hash_frame(b, 320, 240, 4);
            gst_buffer_unref(b);
            fail_unless(drawn.count(h) == 1, "frame %d shows a state never drawn", frames);
            ++frames;
        }
    };
    // Thousands of random rectangles, each recorded once the server drew it.
    for (int i = 0; i < 3000; ++i) {
        const unsigned w = 1 + rng() % 48, h = 1 + rng() % 48;
        p.fill_rect(int(rng() % (320 - w)), int(rng() % (240 - h)), w, h, rng() & 0xffffff);
        p.sync();
        drawn.insert(hash_screen(p));
        check_queued();
        if (i % 4 == 0)
            g_usleep(500);
    }
    // Once still, no stale pixel remains.
    expect_screen(cp, p, "the last state");
    check_queued();
    const CaptureStats st = capture_stats(cp.source());
    fail_unless(frames > 100, "only %d frames checked", frames);
    fail_unless(st.partial_captures > st.full_captures,
                "partial %" G_GUINT64_FORMAT " full %" G_GUINT64_FORMAT, st.partial_captures,
                st.full_captures);
}
GST_END_TEST;

GST_START_TEST(still_screen_costs_no_copy) {
    PaintedScreen screen({640, 480, 24}, 11);
    CapturePipeline cp("display-name=" + screen.display(), "framerate=200/1", 4);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    const CaptureStats before = capture_stats(cp.source());
    const void *address = nullptr;
    for (int i = 0; i < 100; ++i) {
        GstBuffer *b = pull_matching_frame(cp, screen.expected(0, 0, 640, 480), 640, 480, 4,
                                           "the still screen", 1);
        if (i > 8) { // the queue drained: the same memory again and again
            if (address == nullptr)
                address = buffer_address(b);
            fail_unless(buffer_address(b) == address, "a still screen was copied again");
        }
        gst_buffer_unref(b);
    }
    const CaptureStats after = capture_stats(cp.source());
    fail_unless(after.repeated_frames - before.repeated_frames >= 95);
    fail_unless(after.bytes_fetched - before.bytes_fetched <= 640 * 480 * 4 * 2);
}
GST_END_TEST;

GST_START_TEST(small_change_fetches_about_its_size) {
    PaintedScreen screen({640, 480, 24}, 12);
    CapturePipeline cp("display-name=" + screen.display(), "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    const std::size_t stride = 640 * 4;
    for (int i = 0; i < 12; ++i) {
        const CaptureStats before = capture_stats(cp.source());
        screen.fill_rect(100, 20 + 30 * i, 50, 10, 0x00ff00u + unsigned(i));
        screen.sync();
        expect_screen(cp, screen, "the small change");
        const CaptureStats after = capture_stats(cp.source());
        if (i < 3)
            continue; // the first reuses may meet slots of unknown content
        const guint64 fetched = after.bytes_fetched - before.bytes_fetched;
        // Ten changed rows, plus the previous change for a slot one frame older.
        fail_unless(fetched <= 2 * 10 * stride, "change %d fetched %" G_GUINT64_FORMAT " bytes", i,
                    fetched);
        fail_unless(after.full_captures == before.full_captures, "change %d caused a full capture",
                    i);
    }
}
GST_END_TEST;

GST_START_TEST(written_slot_is_refetched_whole) {
    PaintedScreen screen({320, 240, 24}, 13);
    CapturePipeline cp("display-name=" + screen.display(), "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    GstBuffer *held = cp.pull();
    fail_unless(held != nullptr);
    // Once the source moved on, the held buffer is ours alone and writable.
    screen.fill_rect(0, 0, 10, 10, 0x112233);
    screen.sync();
    expect_screen(cp, screen, "the corner change");
    fail_unless(gst_buffer_is_writable(held));
    GstMapInfo map;
    fail_unless(gst_buffer_map(held, &map, GST_MAP_WRITE));
    std::memset(map.data, 0xab, map.size);
    gst_buffer_unmap(held, &map);
    gst_buffer_unref(held); // the scribbled slot returns to the pool
    const CaptureStats before = capture_stats(cp.source());
    for (int i = 0; i < 10; ++i) {
        screen.fill_rect(20 * i, 100, 15, 15, 0x445566u + unsigned(i));
        screen.sync();
        expect_screen(cp, screen, "a square in the row");
    }
    fail_unless(stat_of(cp.source(), "full-captures") > before.full_captures,
                "the written slot was not refetched whole");
}
GST_END_TEST;

GST_START_TEST(region_ignores_damage_outside_it) {
    PaintedScreen screen({640, 480, 24}, 14);
    CapturePipeline cp("display-name=" + screen.display() +
                           " startx=100 starty=100 endx=299 endy=199",
                       "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    for (int i = 0; i < 5; ++i)
        gst_buffer_unref(cp.pull());
    const CaptureStats before = capture_stats(cp.source());
    screen.fill_rect(400, 300, 100, 100, 0xff0000); // outside the region
    screen.sync();
    for (int i = 0; i < 10; ++i)
        gst_buffer_unref(cp.pull());
    const CaptureStats mid = capture_stats(cp.source());
    fail_unless(mid.full_captures + mid.partial_captures ==
                    before.full_captures + before.partial_captures,
                "drawing outside the region caused a capture");
    screen.fill_rect(150, 150, 20, 20, 0x00ff00); // inside
    screen.sync();
    expect_frame(cp, screen.expected(100, 100, 200, 100), 200, 100, 4,
                 "the change inside the region", 30);
}
GST_END_TEST;

GST_START_TEST(fallback_path_with_damage) {
    XvfbOptions options;
    options.listen_tcp = true;
    PaintedScreen screen(options, 15);
    CapturePipeline cp("display-name=" + screen.tcp_display(), "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    fail_unless_text(cp.source_string("capture-path"), "get-image");
    const CaptureStats before = capture_stats(cp.source());
    for (int i = 0; i < 10; ++i)
        gst_buffer_unref(cp.pull());
    fail_unless(stat_of(cp.source(), "repeated-frames") - before.repeated_frames >= 8);
    screen.fill_rect(5, 5, 30, 30, 0x0000ff);
    screen.sync();
    expect_screen(cp, screen, "the blue square");
}
GST_END_TEST;

GST_START_TEST(skip_unchanged_pushes_nothing_while_still) {
    PaintedScreen screen({320, 240, 24}, 16);
    CapturePipeline cp("display-name=" + screen.display() + " skip-unchanged=true",
                       "max-framerate=100/1", 4);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    while (GstBuffer *b = cp.pull(200 * GST_MSECOND))
        gst_buffer_unref(b);
    fail_unless(cp.pull(300 * GST_MSECOND) == nullptr, "a still screen produced frames");
    screen.fill_rect(10, 10, 10, 10, 0xffffff);
    screen.sync();
    expect_screen(cp, screen, "the change", 2);
    fail_unless(stat_of(cp.source(), "skipped-frames") > 10);
}
GST_END_TEST;

GST_START_TEST(server_without_damage_captures_every_frame) {
    // Xvfb without the DAMAGE extension: use-damage quietly has nothing to use.
    XvfbOptions options(320, 240, 24);
    options.extra_args = {"-extension", "DAMAGE"};
    PaintedScreen screen(options, 17);
    CapturePipeline cp("display-name=" + screen.display(), "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen as drawn");
    screen.paint_pattern(18);
    expect_screen(cp, screen, "the second pattern");
    const CaptureStats st = capture_stats(cp.source());
    fail_unless(st.partial_captures == 0 && st.repeated_frames == 0 &&
                st.full_captures == st.frames);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(every_frame_is_a_drawn_state)                                                        \
    XSHM_CASE(still_screen_costs_no_copy)                                                          \
    XSHM_CASE(small_change_fetches_about_its_size)                                                 \
    XSHM_CASE(written_slot_is_refetched_whole)                                                     \
    XSHM_CASE(region_ignores_damage_outside_it)                                                    \
    XSHM_CASE(fallback_path_with_damage)                                                           \
    XSHM_CASE(skip_unchanged_pushes_nothing_while_still)                                           \
    XSHM_CASE(server_without_damage_captures_every_frame)

XSHM_SUITE(damage, 120)
