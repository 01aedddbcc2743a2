// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc as a live source: variable frame rate the way pipewiresrc does it,
// keepalives, requested key units, the closing frame, settings changed while
// playing, waits that stop promptly, and the faults a stress run found.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <poll.h>
#include <random>
#include <memory>
#include <mutex>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gst/video/video.h>
#include <xcb/xcb.h>

#include "support/capture_pipeline.h"
#include "support/child_process.h"
#include "support/expectations.h"
#include "support/randr_monitors.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

std::string display_prop(const XvfbServer &x) { return "display-name=" + x.display(); }

// A caps filter that fixes nothing: the source chooses its rate.
const char *const kAnyRate = "pixel-aspect-ratio=1/1";

// The lowest free descriptor number: a limit there makes the next open fail.
rlim_t lowest_free_descriptor() {
    const int fd = dup(0);
    close(fd);
    return rlim_t(fd);
}

// What reached a pad, in order: frames and force-key-unit events.
struct FlowLog {
    struct Entry {
        bool key_unit = false;                           // else a frame
        GstClockTime time = GST_CLOCK_TIME_NONE;         // the frame's PTS, the event's timestamp
        GstClockTime running_time = GST_CLOCK_TIME_NONE; // the event's
        gboolean all_headers = FALSE;
        guint count = 0;
    };
    std::mutex lock;
    std::vector<Entry> entries;
};

GstPadProbeReturn note_flow(GstPad *, GstPadProbeInfo *info, gpointer data) {
    auto *log = static_cast<FlowLog *>(data);
    FlowLog::Entry entry;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        entry.time = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
    } else {
        GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
        if (!gst_video_event_is_force_key_unit(event))
            return GST_PAD_PROBE_OK;
        entry.key_unit = gst_video_event_parse_downstream_force_key_unit(
            event, &entry.time, nullptr, &entry.running_time, &entry.all_headers, &entry.count);
    }
    std::lock_guard<std::mutex> hold(log->lock);
    log->entries.push_back(entry);
    return GST_PAD_PROBE_OK;
}

void watch_flow(GstElement *element, const char *pad_name, FlowLog *log) {
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    gst_pad_add_probe(
        pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        note_flow, log, nullptr);
    gst_object_unref(pad);
}

} // namespace

GST_START_TEST(variable_rate_caps_as_pipewiresrc) {
    XvfbServer x({320, 240, 24});
    CapturePipeline vfr(display_prop(x) + " skip-unchanged=true", kAnyRate);
    fail_unless_equals_int(vfr.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *b = vfr.pull();
    fail_unless(b != nullptr);
    fail_unless(!GST_BUFFER_DURATION_IS_VALID(b), "a variable-rate frame claims a duration");
    gst_buffer_unref(b);
    expect_fraction(vfr.source(), "framerate", 0, 1);
    expect_fraction(vfr.source(), "max-framerate", 30, 1);

    CapturePipeline fast(display_prop(x) + " skip-unchanged=true", "max-framerate=60/1");
    fail_unless_equals_int(fast.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(fast.pull());
    expect_fraction(fast.source(), "max-framerate", 60, 1);

    // Asking for a constant rate from a variable-rate source says what to ask instead.
    CapturePipeline wrong(display_prop(x) + " skip-unchanged=true", "framerate=30/1");
    wrong.play();
    const std::string error = message_text(wrong, GST_MESSAGE_ERROR, 5 * GST_SECOND);
    fail_unless(contains(error, "max-framerate"), "error: '%s'", error.c_str());
}
GST_END_TEST;

GST_START_TEST(keepalive_cadence_on_a_still_screen) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " skip-unchanged=true keepalive-time=300", kAnyRate, 8);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstClockTime last = GST_CLOCK_TIME_NONE;
    for (int i = 0; i < 4; ++i) {
        GstBuffer *b = cp.pull();
        fail_unless(b != nullptr, "no keepalive frame %d", i);
        const GstClockTime pts = GST_BUFFER_PTS(b);
        gst_buffer_unref(b);
        if (GST_CLOCK_TIME_IS_VALID(last)) {
            const GstClockTime gap = pts - last;
            // Due 300 ms after the last frame, taken at the next frame time (1/30 s grid).
            fail_unless(gap >= 300 * GST_MSECOND && gap <= 380 * GST_MSECOND,
                        "keepalive %d after %" GST_TIME_FORMAT, i, GST_TIME_ARGS(gap));
        }
        last = pts;
    }
    const CaptureStats st = capture_stats(cp.source());
    fail_unless(st.keepalive_frames >= 3);
    fail_unless(st.full_captures + st.partial_captures == 1, "a still screen was captured again");
}
GST_END_TEST;

GST_START_TEST(changes_are_stamped_when_they_happen) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    p.fill_rect(0, 0, 320, 240, 0x202020);
    p.sync();
    CapturePipeline cp(display_prop(x) + " skip-unchanged=true keepalive-time=0",
                       "max-framerate=60/1", 8);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(cp.pull());
    for (int i = 0; i < 5; ++i) {
        g_usleep(150000 + 37000 * i);
        const GstClockTime before = cp.running_time(); // painted in [before, after]
        p.fill_rect(20 * i, 40, 20, 20, 0x00ff00u + uint32_t(i));
        p.sync();
        const GstClockTime after = cp.running_time();
        const std::string what = "change " + std::to_string(i) + " in the next frame";
        GstBuffer *b =
            pull_matching_frame(cp, p.expected(0, 0, 320, 240), 320, 240, 4, what.c_str(), 1);
        const GstClockTime pts = GST_BUFFER_PTS(b);
        gst_buffer_unref(b);
        // Taken at the first frame time after the paint (1/60 s grid).
        fail_unless(pts + 5 * GST_MSECOND >= before && pts <= after + 40 * GST_MSECOND,
                    "change %d painted between %" GST_TIME_FORMAT " and %" GST_TIME_FORMAT
                    ", stamped %" GST_TIME_FORMAT,
                    i, GST_TIME_ARGS(before), GST_TIME_ARGS(after), GST_TIME_ARGS(pts));
    }
}
GST_END_TEST;

GST_START_TEST(closing_frame_for_an_application_eos) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " skip-unchanged=true keepalive-time=0", kAnyRate, 8);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first = cp.pull();
    fail_unless(first != nullptr);
    gst_buffer_unref(first);
    g_usleep(1200000);
    fail_unless(cp.pull(0) == nullptr, "a still screen made frames");
    const GstClockTime stop = cp.running_time();
    fail_unless(gst_element_send_event(cp.pipeline(), gst_event_new_eos()));
    GstBuffer *closing = cp.pull(5 * GST_SECOND);
    fail_unless(closing != nullptr, "no closing frame");
    const GstClockTime pts = GST_BUFFER_PTS(closing);
    fail_unless(pts >= stop && pts <= stop + 50 * GST_MSECOND,
                "stopped at %" GST_TIME_FORMAT ", closing frame at %" GST_TIME_FORMAT,
                GST_TIME_ARGS(stop), GST_TIME_ARGS(pts));
    fail_unless(GST_BUFFER_DURATION(closing) == GST_SECOND / 30);
    gst_buffer_unref(closing);
    GstMessage *eos = cp.wait_message(GST_MESSAGE_EOS, 5 * GST_SECOND);
    fail_unless(eos != nullptr, "no EOS after the closing frame");
    gst_message_unref(eos);
    fail_unless_equals_uint64(stat_of(cp.source(), "closing-frames"), 1);
}
GST_END_TEST;

// A keyframe deadline on a still screen (issue 14): the source answers an
// upstream force-key-unit with a frame at that time, preceded by a downstream
// force-key-unit, and the encoder makes that frame a keyframe.
GST_START_TEST(requested_key_unit_comes_at_its_time) {
    XvfbServer x({320, 240, 24});
    FlowLog log; // outlives the pipeline
    CapturePipeline cp(display_prop(x) + " skip-unchanged=true keepalive-time=0", "format=I420", 8,
                       "x264enc name=enc tune=zerolatency threads=1");
    GstElement *encoder = gst_bin_get_by_name(GST_BIN(cp.pipeline()), "enc");
    watch_flow(encoder, "sink", &log);
    gst_object_unref(encoder);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first = cp.pull();
    fail_unless(first != nullptr);
    gst_buffer_unref(first);

    const GstClockTime at = cp.running_time() + GST_SECOND;
    GstPad *src = gst_element_get_static_pad(cp.source(), "src");
    const bool taken =
        gst_pad_send_event(src, gst_video_event_new_upstream_force_key_unit(at, TRUE, 7));
    gst_object_unref(src);
    fail_unless(taken, "xshmsrc refused the force-key-unit event");
    GstSample *sample = gst_app_sink_try_pull_sample(cp.sink(), 5 * GST_SECOND);
    fail_unless(sample != nullptr, "no frame for the key unit requested at %" GST_TIME_FORMAT,
                GST_TIME_ARGS(at));
    GstBuffer *b = gst_sample_get_buffer(sample);
    // x264enc shifts its output by 1000 hours: compare running times.
    const GstClockTime pts = gst_segment_to_running_time(gst_sample_get_segment(sample),
                                                         GST_FORMAT_TIME, GST_BUFFER_PTS(b));
    const bool key = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_sample_unref(sample);
    // At the first frame time at or after it (1/30 s grid).
    fail_unless(pts >= at && pts <= at + GST_SECOND / 30 + 50 * GST_MSECOND,
                "requested at %" GST_TIME_FORMAT ", frame at %" GST_TIME_FORMAT, GST_TIME_ARGS(at),
                GST_TIME_ARGS(pts));
    fail_unless(key, "the requested frame was not made a keyframe");
    fail_unless(cp.pull(500 * GST_MSECOND) == nullptr, "a still screen made more frames");

    std::lock_guard<std::mutex> hold(log.lock);
    const std::vector<FlowLog::Entry> &seen = log.entries;
    fail_unless_equals_int(seen.size(), 3); // first frame, force-key-unit, requested frame
    fail_unless(seen[1].key_unit && !seen[2].key_unit && seen[2].time == pts);
    fail_unless(seen[1].time == pts && seen[1].running_time == GST_CLOCK_TIME_NONE &&
                seen[1].all_headers && seen[1].count == 7);
    fail_unless_equals_uint64(stat_of(cp.source(), "requested-frames"), 1);
}
GST_END_TEST;

GST_START_TEST(skip_unchanged_toggled_while_playing) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x), kAnyRate, 8);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(cp.pull());
    expect_fraction(cp.source(), "framerate", 30, 1);
    g_object_set(cp.source(), "skip-unchanged", TRUE, "keepalive-time", 0u, nullptr);
    bool variable = false;
    for (int i = 0; i < 40 && !variable; ++i) {
        if (GstBuffer *b = cp.pull(100 * GST_MSECOND))
            gst_buffer_unref(b);
        variable = caps_fraction(cp.source(), "framerate").num == 0 &&
                   caps_fraction(cp.source(), "max-framerate").den != -1;
    }
    fail_unless(variable, "caps did not become variable-rate");
    while (GstBuffer *b = cp.pull(200 * GST_MSECOND))
        gst_buffer_unref(b);
    fail_unless(cp.pull(400 * GST_MSECOND) == nullptr, "frames on a still screen after the switch");
}
GST_END_TEST;

GST_START_TEST(fixed_property_set_while_playing_warns) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x));
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(cp.pull());
    g_object_set(cp.source(), "startx", 10u, nullptr);
    const std::string warning = message_text(cp, GST_MESSAGE_WARNING, 2 * GST_SECOND);
    fail_unless(contains(warning, "'startx'") && contains(warning, "started again"),
                "warning: '%s'", warning.c_str());
    GstBuffer *b = cp.pull();
    fail_unless(b != nullptr && gst_buffer_get_video_meta(b)->width == 320);
    gst_buffer_unref(b);
    // Stopped, a fixed property is the next start's: nothing to warn about.
    gst_element_set_state(cp.pipeline(), GST_STATE_READY);
    g_object_set(cp.source(), "startx", 20u, nullptr);
    fail_unless(message_text(cp, GST_MESSAGE_WARNING, GST_SECOND / 2).empty());
}
GST_END_TEST;

GST_START_TEST(held_slots_warn_once) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=3", "framerate=100/1", 10);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *held[3];
    for (auto &b : held)
        fail_unless((b = cp.pull()) != nullptr);
    const std::string warning = message_text(cp, GST_MESSAGE_WARNING, 3 * GST_SECOND);
    fail_unless(contains(warning, "max-slots") && contains(warning, "waits"), "warning: '%s'",
                warning.c_str());
    fail_unless(message_text(cp, GST_MESSAGE_WARNING, 1500 * GST_MSECOND).empty(),
                "the stall was reported twice");
    for (auto &b : held)
        gst_buffer_unref(b);
    GstBuffer *next = cp.pull();
    fail_unless(next != nullptr, "capture did not resume");
    gst_buffer_unref(next);
}
GST_END_TEST;

GST_START_TEST(stop_is_prompt_on_a_still_variable_rate_screen) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " skip-unchanged=true", "framerate=0/1");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    gst_buffer_unref(cp.pull());
    g_usleep(500000);
    const gint64 begin = g_get_monotonic_time();
    cp.stop();
    const gint64 took = g_get_monotonic_time() - begin;
    fail_unless(took < G_USEC_PER_SEC, "stopping took %" G_GINT64_FORMAT " us", took);
}
GST_END_TEST;

GST_START_TEST(server_death_while_waiting_for_a_slot) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=2", "framerate=100/1", 10);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *a = cp.pull(), *b = cp.pull();
    fail_unless(a && b);
    fail_unless(cp.pull(300 * GST_MSECOND) == nullptr);
    x.kill();
    const gint64 begin = g_get_monotonic_time();
    const std::string error = message_text(cp, GST_MESSAGE_ERROR, 2 * GST_SECOND);
    fail_unless(contains(error, "lost the connection"), "error: '%s'", error.c_str());
    fail_unless(g_get_monotonic_time() - begin < G_USEC_PER_SEC, "reported late");
    gst_buffer_unref(a);
    gst_buffer_unref(b);
}
GST_END_TEST;

// A caps query from another thread while the element starts, stops and
// follows resizes (under ASan this was a use-after-free of the grabber).
GST_START_TEST(caps_queries_during_restarts_and_resizes) {
    XvfbServer x({640, 480, 24});
    CapturePipeline cp(display_prop(x), kAnyRate, 1);
    GstPad *pad = gst_element_get_static_pad(cp.source(), "src");
    std::atomic<bool> done{false};
    std::atomic<int> queries{0};
    std::thread asker([&] {
        while (!done) {
            GstCaps *caps = gst_pad_query_caps(pad, nullptr);
            fail_unless(caps != nullptr && !gst_caps_is_empty(caps));
            gst_caps_unref(caps);
            ++queries;
        }
    });
    for (int i = 0; i < 15; ++i) {
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        if (GstBuffer *b = cp.pull(2 * GST_SECOND))
            gst_buffer_unref(b);
        if (i % 3 == 0) {
            run_xrandr(x.display(), i % 2 ? "--fb 640x480" : "--fb 320x240", false);
            for (int k = 0; k < 5; ++k)
                if (GstBuffer *b = cp.pull(100 * GST_MSECOND))
                    gst_buffer_unref(b);
        }
        gst_element_set_state(cp.pipeline(), GST_STATE_READY);
    }
    done = true;
    asker.join();
    gst_object_unref(pad);
    fail_unless(queries > 100, "only %d queries", queries.load());
}
GST_END_TEST;

// A capturing process stopped at any moment (SIGSTOP, a debugger) must not
// freeze the other X clients: no server grab is ever held.
GST_START_TEST(a_stopped_capture_never_freezes_the_display) {
    XvfbServer x({640, 480, 24});
    std::unique_ptr<ChildProcess> capture(ChildProcess::gst_launch(
        {"-q", "xshmsrc", "display-name=" + x.display(), "show-pointer=false", "!",
         "video/x-raw,framerate=0/1", "!", "fakesink"}));
    ScreenPainter p(x.display());
    std::mt19937 rng(11);
    xcb_connection_t *probe = xcb_connect(x.display().c_str(), nullptr);
    int frozen = 0;
    for (int i = 0; i < 40; ++i) {
        // Bands far apart: the damage capture fetches several of them.
        for (int k = 0; k < 6; ++k)
            p.fill_rect(int(rng() % 600), int(rng() % 440), 30, 8, rng() & 0xffffff);
        p.sync();
        g_usleep(rng() % 3000);
        capture->signal(SIGSTOP);
        const unsigned seq = xcb_get_input_focus(probe).sequence;
        xcb_flush(probe);
        pollfd fd{xcb_get_file_descriptor(probe), POLLIN, 0};
        const bool answered = poll(&fd, 1, 1000) == 1;
        capture->signal(SIGCONT);
        if (!answered)
            ++frozen;
        xcb_discard_reply(probe, seq);
        std::free(xcb_get_input_focus_reply(probe, xcb_get_input_focus(probe), nullptr));
    }
    xcb_disconnect(probe);
    capture->signal(SIGTERM);
    capture->wait();
    fail_unless(frozen == 0, "the display froze %d times of 40 while the capture was stopped",
                frozen);
}
GST_END_TEST;

// A slot that cannot be made while the pool activates: the error says why,
// not just "not-negotiated". A file size limit makes sizing the memfd fail.
// Whether the pool's activation or its growth in the first create() meets the
// limit depends on timing (slow under TSan); both must name the cause.
GST_START_TEST(slot_activation_failure_names_its_cause) {
    XvfbServer x({320, 240, 24});
    CapturePipeline cp(display_prop(x) + " use-damage=false");
    gst_element_set_state(cp.pipeline(), GST_STATE_PAUSED); // started: one slot exists
    gst_element_get_state(cp.pipeline(), nullptr, nullptr, 5 * GST_SECOND);
    signal(SIGXFSZ, SIG_IGN);
    rlimit saved{};
    getrlimit(RLIMIT_FSIZE, &saved);
    rlimit tight = saved;
    tight.rlim_cur = 1;
    setrlimit(RLIMIT_FSIZE, &tight);
    gst_element_set_state(cp.pipeline(), GST_STATE_PLAYING);
    const std::string error = message_text(cp, GST_MESSAGE_ERROR, 5 * GST_SECOND);
    setrlimit(RLIMIT_FSIZE, &saved);
    fail_unless(contains(error, "shared-memory slot") && contains(error, "sizing the memfd") &&
                    contains(error, "File too large"),
                "error: '%s'", error.c_str());
}
GST_END_TEST;

GST_START_TEST(descriptor_exhaustion_is_an_error_not_an_abort) {
    XvfbServer x({320, 240, 24});
    gst_object_unref(gst_system_clock_obtain());
    rlimit saved{};
    getrlimit(RLIMIT_NOFILE, &saved);
    rlimit tight = saved;
    {
        // While capturing: a new slot cannot be made. Nothing is pulled after the
        // first three, so the frames pile up in the sink and the pool must grow,
        // however slowly frames come (valgrind): 64 slots are far from reached.
        CapturePipeline cp(display_prop(x) + " use-damage=false max-slots=64", "framerate=100/1",
                           100);
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        GstBuffer *held[3];
        for (auto &b : held)
            fail_unless((b = cp.pull()) != nullptr);
        // Not the lowest free descriptor: the streaming thread may hold a new
        // slot's memfd open for a moment, and that number would stay usable.
        // Only the standard streams lie below 3.
        tight.rlim_cur = std::min<rlim_t>(lowest_free_descriptor(), 3);
        setrlimit(RLIMIT_NOFILE, &tight);
        const std::string error = message_text(cp, GST_MESSAGE_ERROR, 20 * GST_SECOND);
        setrlimit(RLIMIT_NOFILE, &saved);
        fail_unless(contains(error, "memfd_create failed: Too many open files"), "error: '%s'",
                    error.c_str());
        for (auto &b : held)
            gst_buffer_unref(b);
    }
    // At start: not even the X connection can be opened.
    CapturePipeline cp(display_prop(x));
    tight.rlim_cur = lowest_free_descriptor();
    setrlimit(RLIMIT_NOFILE, &tight);
    gst_element_set_state(cp.pipeline(), GST_STATE_PLAYING);
    const std::string error = message_text(cp, GST_MESSAGE_ERROR, 5 * GST_SECOND);
    setrlimit(RLIMIT_NOFILE, &saved);
    fail_unless(contains(error, x.display()) && contains(error, "no file descriptor left"),
                "error: '%s'", error.c_str());
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(variable_rate_caps_as_pipewiresrc)                                                   \
    XSHM_CASE(keepalive_cadence_on_a_still_screen)                                                 \
    XSHM_CASE(changes_are_stamped_when_they_happen)                                                \
    XSHM_CASE(closing_frame_for_an_application_eos)                                                \
    XSHM_CASE(requested_key_unit_comes_at_its_time)                                                \
    XSHM_CASE(skip_unchanged_toggled_while_playing)                                                \
    XSHM_CASE(fixed_property_set_while_playing_warns)                                              \
    XSHM_CASE(held_slots_warn_once)                                                                \
    XSHM_CASE(stop_is_prompt_on_a_still_variable_rate_screen)                                      \
    XSHM_CASE(server_death_while_waiting_for_a_slot)                                               \
    XSHM_CASE(caps_queries_during_restarts_and_resizes)                                            \
    XSHM_CASE(a_stopped_capture_never_freezes_the_display)                                         \
    XSHM_CASE(slot_activation_failure_names_its_cause)                                             \
    XSHM_CASE(descriptor_exhaustion_is_an_error_not_an_abort)

XSHM_SUITE(live, 120)
