// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc against private Xvfb servers: every frame compared byte for byte
// with what was painted.
#include <fstream>
#include <set>
#include <string>

#include <gst/base/gstbasesrc.h>
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

// Whether `address` lies in one of this process's mappings whose name holds
// `name` ("memfd:xshm-slot": a slot the X server writes into).
bool inside_mapping(const void *address, const std::string &name) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    const auto at = reinterpret_cast<uintptr_t>(address);
    while (std::getline(maps, line)) {
        if (line.find(name) == std::string::npos)
            continue;
        const uintptr_t begin = std::stoull(line, nullptr, 16);
        const uintptr_t end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
        if (at >= begin && at < end)
            return true;
    }
    return false;
}

// The pool xshmsrc negotiated (transfer full), checked to be its own kind.
GstBufferPool *negotiated_pool(CapturePipeline &cp) {
    GstBufferPool *pool = gst_base_src_get_buffer_pool(GST_BASE_SRC(cp.source()));
    fail_unless(pool != nullptr, "xshmsrc negotiated no buffer pool");
    fail_unless_equals_string(G_OBJECT_TYPE_NAME(pool), "GstXShmBufferPool");
    return pool;
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
    fail_unless_text(cp.source_string("capture-source"),
                     "the screen of X display '" + screen.display() + "'");

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

// As a GStreamer user sees it: every captured frame is a buffer of the pool
// xshmsrc negotiated, its memory the memfd slot the server wrote (no copy),
// recycled as frames are released, and a held buffer outlives the pipeline
// (the pool with it, until that last buffer goes).
GST_START_TEST(every_frame_comes_from_the_negotiated_pool) {
    PaintedScreen screen({320, 240, 24}, 11);
    // Without damage every frame is a capture (a repeat would be a copy of one).
    auto *cp = new CapturePipeline(display_prop(screen) + " use-damage=false max-slots=4",
                                   "framerate=100/1", 1);
    fail_unless_equals_int(cp->play(), GST_STATE_CHANGE_SUCCESS);
    const std::string path = cp->source_string("capture-path");
    fail_unless_equals_string(path.c_str(), "shm-memfd");
    GstBuffer *first = cp->pull();
    fail_unless(first != nullptr);
    GstBufferPool *pool = negotiated_pool(*cp);
    std::set<const void *> slots;
    std::set<GstBuffer *> buffers;
    GstBuffer *held = nullptr;
    for (int i = 0; i < 60; ++i) {
        GstBuffer *b = i == 0 ? first : cp->pull();
        fail_unless(b != nullptr, "frame %d", i);
        fail_unless(b->pool == pool, "frame %d: buffer->pool %p, negotiated %p", i,
                    static_cast<void *>(b->pool), static_cast<void *>(pool));
        fail_unless(inside_mapping(buffer_address(b), "memfd:xshm-slot"),
                    "frame %d is not in a memfd slot", i);
        slots.insert(buffer_address(b));
        buffers.insert(b);
        if (i == 59)
            held = b;
        else
            gst_buffer_unref(b);
    }
    const CaptureStats stats = capture_stats(cp->source());
    fail_unless(stats.full_captures >= 60 && stats.repeated_frames == 0);
    fail_unless(slots.size() <= 4, "%zu slots served 60 frames with max-slots=4", slots.size());
    // The first after the start is let go (the source keeps a copy of it: basesrc
    // makes that one writable to mark it DISCONT); the others come back whole.
    fail_unless(buffers.size() <= 5, "%zu buffers for 60 frames: the pool did not recycle them",
                buffers.size());
    watch_finalization(pool);
    gst_object_unref(pool);
    delete cp; // pipeline, element and X connection gone
    fail_unless(held->pool != nullptr, "the held buffer lost its pool");
    fail_unless(inside_mapping(buffer_address(held), "memfd:xshm-slot"));
    fail_unless_equals_int(alive_after_waiting(0), 1); // the held buffer keeps its pool
    gst_buffer_unref(held);
    fail_unless_equals_int(alive_after_waiting(5), 0);
    fail_unless_equals_int(count_slot_mappings(getpid()), 0);
}
GST_END_TEST;

// A frame whose memory downstream still shares (a copy) keeps its slot out:
// the buffer goes back to the pool, the slot only with the last reference.
GST_START_TEST(shared_memory_keeps_its_slot_out) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=3", "framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *original = cp.pull();
    fail_unless(original != nullptr);
    const void *kept = buffer_address(original);
    GstBuffer *copy = gst_buffer_copy(original); // shares the memory
    gst_buffer_unref(original);
    for (int i = 0; i < 20; ++i) {
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr);
        fail_unless(buffer_address(b) != kept, "frame %d reuses a slot a copy still shows", i);
        gst_buffer_unref(b);
    }
    gst_buffer_unref(copy);
    // Three frames held at once with max-slots=3: the copy's slot is back.
    GstBuffer *held[3];
    std::set<const void *> in_use;
    for (GstBuffer *&b : held) {
        b = cp.pull();
        fail_unless(b != nullptr, "capture stalled: the copy's slot did not come back");
        in_use.insert(buffer_address(b));
    }
    fail_unless(in_use.count(kept) == 1, "the slot the copy held is not in use again");
    for (GstBuffer *b : held)
        gst_buffer_unref(b);
}
GST_END_TEST;

// Frames converted here come from the negotiated pool too, in this process's memory.
GST_START_TEST(converted_frames_come_from_the_negotiated_pool) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=3",
                       "format=I420,framerate=100/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first = cp.pull();
    fail_unless(first != nullptr);
    GstBufferPool *pool = negotiated_pool(cp);
    std::set<const void *> frames;
    for (int i = 0; i < 30; ++i) {
        GstBuffer *b = i == 0 ? first : cp.pull();
        fail_unless(b != nullptr);
        fail_unless(b->pool == pool, "converted frame %d is not from the negotiated pool", i);
        fail_unless(!inside_mapping(buffer_address(b), "memfd:xshm-slot"));
        frames.insert(buffer_address(b));
        gst_buffer_unref(b);
    }
    fail_unless(frames.size() <= 3, "%zu frames for 30 with max-slots=3", frames.size());
    gst_object_unref(pool);
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
    XSHM_CASE(every_frame_comes_from_the_negotiated_pool)                                          \
    XSHM_CASE(shared_memory_keeps_its_slot_out)                                                    \
    XSHM_CASE(converted_frames_come_from_the_negotiated_pool)                                      \
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
