// SPDX-License-Identifier: LGPL-2.1-or-later
// Capturing one window by id or name: its own pixels (Composite), followed as
// it moves and resizes, and the stream ends when it closes.
#include <string>
#include <vector>

#include "support/capture_pipeline.h"
#include "support/expectations.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/test_window.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

GST_START_TEST(window_by_name_and_id_is_pixel_exact) {
    PaintedScreen screen({640, 480, 24}, 51);
    TestWindow w(screen.display(), "xshm-test", 60, 40, 200, 120);
    w.paint(52);
    CapturePipeline by_name("display-name=" + screen.display() + " xname=xshm-test");
    fail_unless_equals_int(by_name.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(by_name, w, "xname");
    // The id as decimal and as 0x hex.
    for (const std::string &id : {std::to_string(w.id()), window_id_hex(w.id())}) {
        CapturePipeline by_id("display-name=" + screen.display() + " xid=" + id);
        fail_unless_equals_int(by_id.play(), GST_STATE_CHANGE_SUCCESS);
        expect_window(by_id, w, ("xid=" + id).c_str());
    }
}
GST_END_TEST;

GST_START_TEST(covered_window_is_captured_whole) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "xshm-covered", 100, 100, 200, 150);
    w.paint(53);
    CapturePipeline cp("display-name=" + x.display() + " xname=xshm-covered");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, w, "before covering");
    TestWindow cover(x.display(), "cover", 150, 120, 200, 200);
    cover.paint(54);
    w.paint(55); // drawn while covered: Composite keeps all of it
    expect_window(cp, w, "under a covering window");
}
GST_END_TEST;

GST_START_TEST(window_moves_and_resizes_are_followed) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "xshm-moving", 10, 10, 160, 100);
    w.paint(56);
    CapturePipeline cp("display-name=" + x.display() + " xname=xshm-moving", "framerate=60/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, w, "at first");
    w.move(300, 200);
    w.paint(57);
    expect_window(cp, w, "after a move");
    w.resize(120, 90);
    w.paint(58);
    expect_window(cp, w, "after a resize"); // compare_frame checks the new size
}
GST_END_TEST;

GST_START_TEST(closed_window_ends_the_stream) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "xshm-closing", 10, 10, 100, 100);
    w.paint(59);
    CapturePipeline cp("display-name=" + x.display() + " xname=xshm-closing", "framerate=60/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, w, "before closing");
    w.destroy();
    bool warned = false;
    GstMessage *msg = cp.drain_until_end(&warned);
    fail_unless(msg != nullptr && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS, "no EOS but %s",
                msg ? GST_MESSAGE_TYPE_NAME(msg) : "nothing");
    gst_message_unref(msg);
    fail_unless(warned, "no warning telling the window went away");
}
GST_END_TEST;

GST_START_TEST(unknown_window_is_named) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "xshm-present", 10, 10, 100, 100);
    const std::string e = start_error("display-name=" + x.display() + " xname=nope");
    fail_unless(contains(e, "'nope'") && contains(e, "'xshm-present'"), "error: %s", e.c_str());
    const std::string e2 = start_error("display-name=" + x.display() + " xid=12345");
    fail_unless(contains(e2, "0x3039"), "error: %s", e2.c_str());
}
GST_END_TEST;

GST_START_TEST(without_composite_the_visible_window_is_captured) {
    XvfbOptions options(640, 480, 24);
    options.extra_args = {"-extension", "Composite"};
    PaintedScreen screen(options, 60);
    TestWindow w(screen.display(), "xshm-plain", 500, 400, 200, 120); // partly off the screen
    w.paint(61);
    CapturePipeline cp("display-name=" + screen.display() + " xname=xshm-plain");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    // What the screen shows: the window's visible 140x80, clipped at the edges.
    std::vector<uint8_t> visible;
    const auto all = w.expected();
    for (unsigned y = 0; y < 80; ++y)
        visible.insert(visible.end(), all.begin() + y * 200 * 4, all.begin() + (y * 200 + 140) * 4);
    expect_frame(cp, visible, 140, 80, 4, "the visible part", 30);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(window_by_name_and_id_is_pixel_exact)                                                \
    XSHM_CASE(covered_window_is_captured_whole)                                                    \
    XSHM_CASE(window_moves_and_resizes_are_followed)                                               \
    XSHM_CASE(closed_window_ends_the_stream)                                                       \
    XSHM_CASE(unknown_window_is_named)                                                             \
    XSHM_CASE(without_composite_the_visible_window_is_captured)

XSHM_SUITE(windows, 120)
