// SPDX-License-Identifier: LGPL-2.1-or-later
// Windows as they live on a real desktop (openbox, picom): minimized and
// restored, renamed, named in part or ambiguously, framed with decorations,
// ARGB, bordered; and what is captured as users name it.
#include <cstring>
#include <string>
#include <vector>

#include <gst/video/video.h>
#include <xcb/xcb.h>

#include "support/capture_pipeline.h"
#include "support/child_process.h"
#include "support/desktop.h"
#include "support/expectations.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/test_window.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

// The top-level window (the window manager's frame) holding `window`.
xcb_window_t frame_of(const std::string &display, xcb_window_t window, unsigned *w, unsigned *h) {
    xcb_connection_t *c = xcb_connect(display.c_str(), nullptr);
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
    xcb_window_t current = window;
    for (;;) {
        auto *tree = xcb_query_tree_reply(c, xcb_query_tree(c, current), nullptr);
        const xcb_window_t parent = tree ? tree->parent : root;
        std::free(tree);
        if (parent == root || parent == XCB_WINDOW_NONE)
            break;
        current = parent;
    }
    auto *g = xcb_get_geometry_reply(c, xcb_get_geometry(c, current), nullptr);
    *w = g->width;
    *h = g->height;
    std::free(g);
    xcb_disconnect(c);
    return current;
}

// A 640x480 screen where openbox (and picom for an ARGB window) manages one
// painted window.
struct ManagedWindow {
    XvfbServer x{{640, 480, 24}};
    Desktop desktop;
    TestWindow w;
    ManagedWindow(const std::string &title, int left, int top, unsigned width, unsigned height,
                  uint32_t seed, bool argb = false)
        : desktop(x.display(), argb),
          w(x.display(), title, left, top, width, height, {0, argb, ""}) {
        w.wait_until_managed();
        w.paint(seed);
    }
    std::string props(const std::string &more) const {
        return "display-name=" + x.display() + " " + more;
    }
    void minimize() { xdotool(x.display(), "windowminimize " + window_id_hex(w.id())); }
    // Shown again, and repainted as an application does on Expose.
    void restore(uint32_t seed) {
        xdotool(x.display(), "windowmap " + window_id_hex(w.id()));
        w.paint(seed);
    }
};

} // namespace

GST_START_TEST(minimized_window_keeps_the_stream) {
    ManagedWindow d("xshm-minimize", 100, 80, 160, 120, 70);
    const TestWindow &w = d.w;
    CapturePipeline cp(d.props("xname=xshm-minimize"), "framerate=30/1", 4);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, w, "the window");
    d.minimize();
    for (int i = 0; i < 20; ++i) { // the last frame stands, repeated
        GstBuffer *b = cp.pull(2 * GST_SECOND);
        fail_unless(b != nullptr, "the stream stopped while minimized");
        const std::string diff = compare_frame(b, w.expected(), 160, 120, 4);
        gst_buffer_unref(b);
        fail_unless(diff.empty(), "frame %d while minimized: %s", i, diff.c_str());
    }
    fail_unless(cp.wait_message(GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR), 0) == nullptr,
                "minimizing ended the stream");
    d.restore(71);
    expect_window(cp, w, "the restored window");
}
GST_END_TEST;

GST_START_TEST(starting_on_a_minimized_window_waits) {
    ManagedWindow d("xshm-asleep", 50, 60, 120, 90, 72);
    d.minimize();
    CapturePipeline cp(d.props("xname=xshm-asleep"), "framerate=30/1", 4);
    fail_unless(cp.play() != GST_STATE_CHANGE_FAILURE); // async until the first frame
    fail_unless(cp.pull(GST_SECOND) == nullptr, "frames of a minimized window");
    fail_unless(cp.wait_message(GST_MESSAGE_ERROR, 0) == nullptr,
                "an error for a minimized window");
    d.restore(72);
    expect_window(cp, d.w, "the window once shown");
}
GST_END_TEST;

GST_START_TEST(names_as_users_type_them) {
    XvfbServer x({640, 480, 24});
    Desktop desktop(x.display());
    TestWindow browser(x.display(), "Start Page \xe2\x80\x94 Mozilla Firefox", 10, 10, 200, 100);
    TestWindow term(x.display(), "bash", 250, 10, 100, 60,
                    {0, false, std::string("xterm\0XTerm", 11)});
    TestWindow twin1(x.display(), "xshm twin", 10, 200, 80, 60),
        twin2(x.display(), "xshm twin", 300, 200, 80, 60);
    TestWindow cafe(x.display(), "placeholder", 400, 300, 50, 40);
    cafe.set_wm_name_only("Caf\xe9");
    for (TestWindow *w : {&browser, &term, &twin1, &twin2, &cafe})
        w->wait_until_managed();
    browser.paint(73);
    term.paint(74);
    CapturePipeline part("display-name=" + x.display() + " xname=\"mozilla firefox\"");
    fail_unless_equals_int(part.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(part, browser, "a part of the title, any case");
    CapturePipeline by_class("display-name=" + x.display() + " xname=XTerm");
    fail_unless_equals_int(by_class.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(by_class, term, "the class");

    const std::string ambiguous =
        start_error("display-name=" + x.display() + " xname=\"xshm twin\"");
    fail_unless(contains(ambiguous, "2 windows match") &&
                    contains(ambiguous, window_id_hex(twin1.id())) &&
                    contains(ambiguous, window_id_hex(twin2.id())),
                "%s", ambiguous.c_str());

    const std::string missing = start_error("display-name=" + x.display() + " xname=nope");
    fail_unless(g_utf8_validate(missing.c_str(), -1, nullptr), "not UTF-8: %s", missing.c_str());
    fail_unless(contains(missing, "'Caf\xc3\xa9'") && contains(missing, "Mozilla Firefox"), "%s",
                missing.c_str());
    fail_unless(!contains(missing, "Openbox") && !contains(missing, "OPENBOX"),
                "the window manager's own windows are listed: %s", missing.c_str());
}
GST_END_TEST;

GST_START_TEST(renamed_window_stays_the_captured_one) {
    ManagedWindow d("xshm-original", 20, 20, 120, 80, 75);
    const XvfbServer &x = d.x;
    TestWindow &first = d.w;
    CapturePipeline cp(d.props("xname=xshm-original"), "framerate=30/1", 2);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, first, "the window");
    first.set_title("renamed");
    TestWindow second(x.display(), "xshm-original", 300, 200, 120, 80);
    second.wait_until_managed();
    second.paint(76);
    xdotool(x.display(), "windowmove " + window_id_hex(first.id()) + " 60 90"); // looked up again
    first.paint(77);
    expect_window(cp, first, "the renamed window after its move");
}
GST_END_TEST;

GST_START_TEST(frame_id_captures_the_decorations) {
    ManagedWindow d("xshm-framed", 100, 100, 160, 100, 78);
    unsigned fw = 0, fh = 0;
    const xcb_window_t frame = frame_of(d.x.display(), d.w.id(), &fw, &fh);
    fail_unless(frame != d.w.id(), "openbox gave the window no frame");
    fail_unless(fh > 100, "the frame has no decorations: %ux%u", fw, fh);
    CapturePipeline cp(d.props("xid=" + std::to_string(frame)));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *b = cp.pull();
    fail_unless(b != nullptr);
    GstVideoMeta *meta = gst_buffer_get_video_meta(b);
    fail_unless(meta->width == fw && meta->height == fh, "captured %ux%u of a %ux%u frame",
                meta->width, meta->height, fw, fh);
    gst_buffer_unref(b);
}
GST_END_TEST;

GST_START_TEST(argb_window_keeps_its_alpha) {
    ManagedWindow d("xshm-argb", 80, 60, 140, 90, 79, true);
    CapturePipeline cp(d.props("xname=xshm-argb"));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, d.w, "the ARGB window, alpha included");
    fail_unless_text(caps_format(cp.source()), "BGRA");
}
GST_END_TEST;

// Damage comes in the window's interior coordinates; the pixmap holds the border too.
GST_START_TEST(bordered_window_keeps_no_stale_rows) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "xshm-border", 100, 100, 160, 120, {10, false, ""});
    w.paint(80);
    CapturePipeline cp("display-name=" + x.display() + " xid=" + std::to_string(w.id()),
                       "framerate=60/1", 2);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_window(cp, w, "the window");
    w.paint_rows(81, 0, 10); // the top rows only
    expect_window(cp, w, "the repainted top rows");
    w.paint_rows(82, 110, 120);
    expect_window(cp, w, "the repainted bottom rows");
}
GST_END_TEST;

GST_START_TEST(root_window_id_is_the_screen) {
    PaintedScreen screen({320, 240, 24}, 83);
    xcb_connection_t *c = xcb_connect(screen.display().c_str(), nullptr);
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
    xcb_disconnect(c);
    CapturePipeline cp("display-name=" + screen.display() + " xid=" + std::to_string(root));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_screen(cp, screen, "the screen", 30);
}
GST_END_TEST;

GST_START_TEST(first_frame_is_counted_as_a_whole_capture) {
    XvfbServer x({320, 240, 24});
    TestWindow w(x.display(), "xshm-stats", 10, 10, 100, 80);
    w.paint(84);
    const struct {
        std::string what;
        guint64 frame_bytes;
    } targets[] = {{"", 320 * 240 * 4}, {" xid=" + std::to_string(w.id()), 100 * 80 * 4}};
    for (const auto &target : targets) {
        CapturePipeline cp("display-name=" + x.display() + target.what, "framerate=30/1", 1);
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        gst_buffer_unref(cp.pull());
        // Later frames of the still screen are repeats that fetch nothing, so
        // what was fetched is the first frame's: all of it.
        const CaptureStats st = capture_stats(cp.source());
        fail_unless(st.full_captures >= 1 && st.bytes_fetched >= target.frame_bytes,
                    "%s: first frame counted %" G_GUINT64_FORMAT " full, %" G_GUINT64_FORMAT
                    " partial, %" G_GUINT64_FORMAT " bytes fetched of %" G_GUINT64_FORMAT,
                    target.what.c_str(), st.full_captures, st.partial_captures, st.bytes_fetched,
                    target.frame_bytes);
    }
}
GST_END_TEST;

GST_START_TEST(screen_past_32767_pixels_says_why) {
    XvfbServer x({33000, 64, 24});
    const std::string error = start_error("display-name=" + x.display());
    fail_unless(contains(error, "32767") && contains(error, "33000x64"), "%s", error.c_str());
    // Even a region within 32767 fails on such a drawable: said the same way.
    fail_unless(contains(start_error("display-name=" + x.display() + " startx=100 endx=32766"),
                         "wider or taller than 32767"));
}
GST_END_TEST;

// Redirecting a window leaves what was off the screen empty until the
// application draws it: the first frame waits for that drawing.
GST_START_TEST(partly_off_screen_shaped_window_first_frame) {
    XvfbServer x({640, 480, 24});
    ChildProcess eyes({"xeyes", "-display", x.display(), "-geometry", "200x200+540+300"});
    g_usleep(700000);
    CapturePipeline cp("display-name=" + x.display() + " xname=xeyes", "framerate=30/1", 8);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first = cp.pull();
    fail_unless(first != nullptr);
    g_usleep(500000);
    GstBuffer *later = nullptr;
    while (GstBuffer *b = cp.pull(0)) {
        if (later)
            gst_buffer_unref(later);
        later = b;
    }
    fail_unless(later != nullptr);
    GstMapInfo a, b;
    gst_buffer_map(first, &a, GST_MAP_READ);
    gst_buffer_map(later, &b, GST_MAP_READ);
    const bool same = a.size == b.size && std::memcmp(a.data, b.data, a.size) == 0;
    gst_buffer_unmap(first, &a);
    gst_buffer_unmap(later, &b);
    gst_buffer_unref(first);
    gst_buffer_unref(later);
    fail_unless(same, "the first frame lacks what xeyes drew off the screen");
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(minimized_window_keeps_the_stream)                                                   \
    XSHM_CASE(starting_on_a_minimized_window_waits)                                                \
    XSHM_CASE(names_as_users_type_them)                                                            \
    XSHM_CASE(renamed_window_stays_the_captured_one)                                               \
    XSHM_CASE(frame_id_captures_the_decorations)                                                   \
    XSHM_CASE(argb_window_keeps_its_alpha)                                                         \
    XSHM_CASE(bordered_window_keeps_no_stale_rows)                                                 \
    XSHM_CASE(root_window_id_is_the_screen)                                                        \
    XSHM_CASE(first_frame_is_counted_as_a_whole_capture)                                           \
    XSHM_CASE(screen_past_32767_pixels_says_why)                                                   \
    XSHM_CASE(partly_off_screen_shaped_window_first_frame)

XSHM_SUITE(desktop, 120)
