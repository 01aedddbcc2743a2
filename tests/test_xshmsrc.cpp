// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc against private Xvfb servers: every frame compared byte for byte
// with what was painted.
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

std::string display_prop(const XvfbServer &x) { return "display-name=" + x.display(); }

// Starts `cp` and checks its first frame equals the painted rectangle.
void expect_first_frame(CapturePipeline &cp, const ScreenPainter &p, unsigned x, unsigned y,
                        unsigned w, unsigned h) {
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, p.expected(x, y, w, h), w, h, p.bytes_per_pixel(), "the first frame", 1);
}

// Pipelines and sources watched until their finalize ran to its end (GObject
// frees their qdata last). Static: one may outlive a failed test.
GMutex finalize_mutex;
GCond finalized_cond;
int watched_alive = 0;

void note_finalized(gpointer) {
    g_mutex_lock(&finalize_mutex);
    --watched_alive;
    g_cond_broadcast(&finalized_cond);
    g_mutex_unlock(&finalize_mutex);
}

void watch_finalization(gpointer object) {
    g_mutex_lock(&finalize_mutex);
    ++watched_alive;
    g_mutex_unlock(&finalize_mutex);
    g_object_set_data_full(G_OBJECT(object), "xshm-test-finalization", &watched_alive,
                           note_finalized);
}

// Waits up to `seconds` for every watched object to be finalized; returns
// how many are still alive.
int alive_after_waiting(int seconds) {
    const gint64 deadline = g_get_monotonic_time() + seconds * G_TIME_SPAN_SECOND;
    g_mutex_lock(&finalize_mutex);
    while (watched_alive > 0 && g_cond_wait_until(&finalized_cond, &finalize_mutex, deadline)) {
    }
    const int alive = watched_alive;
    g_mutex_unlock(&finalize_mutex);
    return alive;
}

} // namespace

GST_START_TEST(full_screen_is_pixel_exact) {
    PaintedScreen screen({1920, 1080, 24}, 1);
    CapturePipeline cp(display_prop(screen) + " use-damage=false");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *b = pull_matching_frame(cp, screen.expected(0, 0, 1920, 1080), 1920, 1080, 4,
                                       "the first frame", 1);
    fail_unless(gst_memory_is_type(gst_buffer_peek_memory(b, 0), "XShmFrame"));
    fail_unless_text(cp.source_string("capture-path"), "shm-memfd");

    fail_unless_text(caps_format(cp.source()), "BGRx");
    const FrameSize size = caps_size(cp.source());
    fail_unless_equals_int(size.width, 1920);
    fail_unless_equals_int(size.height, 1080);
    expect_fraction(cp.source(), "framerate", 30, 1);
    gst_buffer_unref(b);
}
GST_END_TEST;

GST_START_TEST(region_is_pixel_exact) {
    PaintedScreen screen({640, 480, 24}, 2);
    CapturePipeline cp(display_prop(screen) + " startx=101 starty=53 endx=420 endy=292");
    expect_first_frame(cp, screen, 101, 53, 320, 240);
}
GST_END_TEST;

GST_START_TEST(region_to_the_edges_is_pixel_exact) {
    PaintedScreen screen({640, 480, 24}, 3);
    // endx/endy 0 = up to the right and bottom edges.
    CapturePipeline cp(display_prop(screen) + " startx=600 starty=470");
    expect_first_frame(cp, screen, 600, 470, 40, 10);
}
GST_END_TEST;

GST_START_TEST(frames_follow_the_screen) {
    PaintedScreen screen({640, 480, 24}, 4);
    const auto a = screen.expected(0, 0, 640, 480);
    CapturePipeline cp(display_prop(screen), "framerate=60/1");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, a, 640, 480, 4, "the first pattern", 30);
    screen.paint_pattern(5);
    const auto b = screen.expected(0, 0, 640, 480);
    fail_unless(a != b);
    expect_frame(cp, b, 640, 480, 4, "the second pattern", 30);
}
GST_END_TEST;

GST_START_TEST(timestamps_and_latency) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstClockTime last = GST_CLOCK_TIME_NONE;
    guint64 last_offset = 0;
    for (int i = 0; i < 6; ++i) {
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr);
        fail_unless(GST_BUFFER_PTS_IS_VALID(b));
        fail_unless_equals_uint64(GST_BUFFER_DURATION(b), GST_SECOND / 30);
        if (GST_CLOCK_TIME_IS_VALID(last)) {
            fail_unless(GST_BUFFER_PTS(b) > last);
            fail_unless(GST_BUFFER_OFFSET(b) > last_offset);
        }
        last = GST_BUFFER_PTS(b);
        last_offset = GST_BUFFER_OFFSET(b);
        gst_buffer_unref(b);
    }
    // 6 frames at 30/1 take about 200 ms of running time.
    fail_unless(last >= 100 * GST_MSECOND, "PTS %" GST_TIME_FORMAT, GST_TIME_ARGS(last));

    GstQuery *q = gst_query_new_latency();
    fail_unless(gst_element_query(cp.source(), q));
    gboolean live = FALSE;
    GstClockTime min = 0, max = 0;
    gst_query_parse_latency(q, &live, &min, &max);
    fail_unless(live);
    fail_unless(min > 0 && min < GST_SECOND, "min latency %" GST_TIME_FORMAT, GST_TIME_ARGS(min));
    fail_unless(max >= min);
    gst_query_unref(q);
}
GST_END_TEST;

GST_START_TEST(slot_comes_back_after_release) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false", "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    std::set<const void *> seen;
    const void *previous = nullptr;
    int reused = 0;
    for (int i = 0; i < 30; ++i) {
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr);
        const void *address = buffer_address(b);
        reused += seen.count(address) ? 1 : 0;
        seen.insert(address);
        fail_unless(address != previous || i == 0, "two buffers alive at once share a slot");
        previous = address;
        gst_buffer_unref(b);
    }
    // Released one by one, a handful of slots serve every frame.
    fail_unless(seen.size() <= 4, "%zu slots for 30 frames released at once", seen.size());
    fail_unless(reused >= 25);
}
GST_END_TEST;

GST_START_TEST(pool_grows_then_waits_at_its_limit) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=3", "framerate=100/1", 10);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *held[3];
    std::set<const void *> addresses;
    for (auto &b : held) {
        b = cp.pull();
        fail_unless(b != nullptr);
        addresses.insert(buffer_address(b));
    }
    fail_unless_equals_int(int(addresses.size()), 3);
    // Every slot is held: the source must wait, not allocate or drop.
    GstBuffer *extra = cp.pull(500 * GST_MSECOND);
    fail_unless(extra == nullptr, "a fourth frame arrived with max-slots=3");
    const void *released = buffer_address(held[1]);
    gst_buffer_unref(held[1]);
    GstBuffer *next = cp.pull(5 * GST_SECOND);
    fail_unless(next != nullptr, "capture did not resume after a release");
    fail_unless(buffer_address(next) == released, "the released slot was not the one reused");
    gst_buffer_unref(next);
    gst_buffer_unref(held[0]);
    gst_buffer_unref(held[2]);
}
GST_END_TEST;

GST_START_TEST(stop_is_prompt_while_waiting_for_a_slot) {
    XvfbServer x({320, 240, 24});
    auto *cp = new CapturePipeline(display_prop(x) + " use-damage=false max-slots=2",
                                   "framerate=100/1", 10);
    fail_unless_equals_int(cp->play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *a = cp->pull(), *b = cp->pull();
    fail_unless(a && b);
    fail_unless(cp->pull(300 * GST_MSECOND) == nullptr);
    const gint64 begin = g_get_monotonic_time();
    cp->stop();
    const gint64 took = g_get_monotonic_time() - begin;
    fail_unless(took < 2 * G_USEC_PER_SEC, "stopping took %" G_GINT64_FORMAT " us", took);
    delete cp;
    gst_buffer_unref(a);
    gst_buffer_unref(b);
}
GST_END_TEST;

GST_START_TEST(buffer_outlives_pipeline_and_server) {
    auto *x = new XvfbServer({640, 480, 24});
    ScreenPainter *p = new ScreenPainter(x->display());
    p->paint_pattern(6);
    const auto expected = p->expected(0, 0, 640, 480);
    delete p;
    auto *cp = new CapturePipeline(display_prop(*x) + " use-damage=false");
    fail_unless_equals_int(cp->play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *b = pull_matching_frame(*cp, expected, 640, 480, 4, "the painted screen", 30);
    delete cp; // pipeline, element and X connection gone
    x->kill(); // and the server too
    delete x;
    const std::string diff = compare_frame(b, expected, 640, 480, 4);
    fail_unless(diff.empty(), "held frame changed: %s", diff.c_str());
    gst_buffer_unref(b); // must not touch the dead connection
}
GST_END_TEST;

static gpointer unref_in_thread(gpointer data) {
    gst_buffer_unref(GST_BUFFER(data));
    return nullptr;
}

GST_START_TEST(release_from_another_thread) {
    PaintedScreen screen({320, 240, 24}, 7);
    const auto expected = screen.expected(0, 0, 320, 240);
    CapturePipeline cp(display_prop(screen) + " use-damage=false max-slots=4", "framerate=100/1",
                       1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    std::set<const void *> addresses;
    for (int i = 0; i < 40; ++i) {
        GstBuffer *b = pull_matching_frame(cp, expected, 320, 240, 4, "the same screen", 1);
        addresses.insert(buffer_address(b));
        g_thread_join(g_thread_new("unref", unref_in_thread, b));
    }
    fail_unless(addresses.size() <= 4);
}
GST_END_TEST;

GST_START_TEST(tcp_display_falls_back_to_get_image) {
    XvfbOptions options;
    options.listen_tcp = true;
    PaintedScreen screen(options, 8);
    CapturePipeline cp("display-name=" + screen.tcp_display() +
                       " startx=10 starty=20 endx=209 endy=119");
    expect_first_frame(cp, screen, 10, 20, 200, 100);
    fail_unless_text(cp.source_string("capture-path"), "get-image");
}
GST_END_TEST;

GST_START_TEST(remote_forces_get_image) {
    PaintedScreen screen({320, 240, 24}, 9);
    CapturePipeline cp(display_prop(screen) + " remote=true");
    expect_first_frame(cp, screen, 0, 0, 320, 240);
    fail_unless_text(cp.source_string("capture-path"), "get-image");
}
GST_END_TEST;

GST_START_TEST(sixteen_bit_screen_is_pixel_exact) {
    PaintedScreen screen({637, 480, 16}, 10); // 1274-byte rows, padded to 1276 by the server
    CapturePipeline cp(display_prop(screen));
    expect_first_frame(cp, screen, 0, 0, 637, 480);
    fail_unless_text(caps_format(cp.source()), "RGB16");
    GstBuffer *b = cp.pull();
    fail_unless(b != nullptr);
    fail_unless_equals_int(gst_buffer_get_video_meta(b)->stride[0], 1276);
    gst_buffer_unref(b);
}
GST_END_TEST;

GST_START_TEST(bad_display_is_named) {
    const std::string error = start_error("display-name=:4093");
    fail_unless(contains(error, "':4093'"), "error: %s", error.c_str());
}
GST_END_TEST;

// The error's debug text says where it was decided: for a display that is
// not there, the core's connection, not the element that posts it.
GST_START_TEST(errors_say_where_they_arose) {
    CapturePipeline cp("display-name=:4093");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_FAILURE);
    GstMessage *message = cp.wait_message(GST_MESSAGE_ERROR, GST_SECOND);
    fail_unless(message != nullptr);
    gchar *debug = nullptr;
    gst_message_parse_error(message, nullptr, &debug);
    const std::string where = debug ? debug : "";
    g_free(debug);
    gst_message_unref(message);
    fail_unless(contains(where, "src/display_connection.cpp("), "debug: %s", where.c_str());
}
GST_END_TEST;

GST_START_TEST(bad_region_is_named) {
    XvfbServer x({640, 480, 24});
    const std::string error = start_error(display_prop(x) + " startx=100 endx=700");
    fail_unless(contains(error, "endx=700"), "error: %s", error.c_str());
    fail_unless(contains(error, "640x480"), "error: %s", error.c_str());

    const std::string error2 = start_error(display_prop(x) + " starty=300 endy=200");
    fail_unless(contains(error2, "starty=300"), "error: %s", error2.c_str());
}
GST_END_TEST;

GST_START_TEST(server_death_is_an_error_within_a_second) {
    XvfbServer x({640, 480, 24});
    CapturePipeline cp(display_prop(x));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *held = cp.pull();
    fail_unless(held != nullptr);
    x.kill();
    const std::string error = message_text(cp, GST_MESSAGE_ERROR, GST_SECOND);
    fail_unless(contains(error, "lost the connection"), "error: '%s'", error.c_str());
    const gint64 begin = g_get_monotonic_time();
    cp.stop();
    fail_unless(g_get_monotonic_time() - begin < G_USEC_PER_SEC);
    // Still readable after the server is gone.
    fail_unless(buffer_address(held) != nullptr);
    gst_buffer_unref(held);
}
GST_END_TEST;

GST_START_TEST(start_stop_cycles_leak_nothing) {
    XvfbServer x({640, 480, 24});
    auto cycle = [&] {
        CapturePipeline cp(display_prop(x) + " use-damage=false");
        watch_finalization(cp.pipeline());
        watch_finalization(cp.source());
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr);
        gst_buffer_unref(b);
    };
    // A pipeline stopped and unreferenced can still be finalized a moment later,
    // its bus's sockets and the source's X connection with it: GstBin's
    // continuation of the asynchronous change to PLAYING holds a reference
    // until it returns, in GStreamer's thread pool.
    auto expect_all_finalized = [] {
        const int alive = alive_after_waiting(30);
        fail_unless(alive == 0, "%d pipelines or sources not finalized 30 s after stopping", alive);
    };
    cycle(); // loads plugins, opens what GStreamer keeps open
    expect_all_finalized();
    const int fds = count_open_fds();
    const int sysv = count_sysv_segments(getpid());
    for (int i = 0; i < 50; ++i)
        cycle();
    expect_all_finalized();
    fail_unless(count_open_fds() == fds, "%d fds open after 50 cycles, %d before", count_open_fds(),
                fds);
    fail_unless_equals_int(count_slot_mappings(getpid()), 0);
    fail_unless_equals_int(count_sysv_segments(getpid()), sysv);
    // The server let go of every segment too (it detaches on disconnect).
    ScreenPainter(x.display()).sync();
    fail_unless_equals_int(count_slot_mappings(x.pid()), 0);
}
GST_END_TEST;

GST_START_TEST(memfd_path_makes_no_sysv_segment) {
    XvfbServer x({320, 240, 24});
    const int before = count_sysv_segments(getpid());
    CapturePipeline cp(display_prop(x) + " use-damage=false");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *b = cp.pull();
    fail_unless(b != nullptr);
    fail_unless_text(cp.source_string("capture-path"), "shm-memfd");
    fail_unless_equals_int(count_sysv_segments(getpid()), before);
    fail_unless(count_slot_mappings(getpid()) >= 1);
    gst_buffer_unref(b);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(full_screen_is_pixel_exact)                                                          \
    XSHM_CASE(region_is_pixel_exact)                                                               \
    XSHM_CASE(region_to_the_edges_is_pixel_exact)                                                  \
    XSHM_CASE(frames_follow_the_screen)                                                            \
    XSHM_CASE(timestamps_and_latency)                                                              \
    XSHM_CASE(slot_comes_back_after_release)                                                       \
    XSHM_CASE(pool_grows_then_waits_at_its_limit)                                                  \
    XSHM_CASE(stop_is_prompt_while_waiting_for_a_slot)                                             \
    XSHM_CASE(buffer_outlives_pipeline_and_server)                                                 \
    XSHM_CASE(release_from_another_thread)                                                         \
    XSHM_CASE(tcp_display_falls_back_to_get_image)                                                 \
    XSHM_CASE(remote_forces_get_image)                                                             \
    XSHM_CASE(sixteen_bit_screen_is_pixel_exact)                                                   \
    XSHM_CASE(bad_display_is_named)                                                                \
    XSHM_CASE(errors_say_where_they_arose)                                                         \
    XSHM_CASE(bad_region_is_named)                                                                 \
    XSHM_CASE(server_death_is_an_error_within_a_second)                                            \
    XSHM_CASE(start_stop_cycles_leak_nothing)                                                      \
    XSHM_CASE(memfd_path_makes_no_sysv_segment)

XSHM_SUITE(xshmsrc, 120)
