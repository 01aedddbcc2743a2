// SPDX-License-Identifier: LGPL-2.1-or-later
// The grabber core on its own: region rules, pixel formats, the slot pool,
// segment permissions.
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <unistd.h>

#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>

#include "capture_session.h"
#include "error.h"
#include "frame_pacer.h"
#include "grabber.h"
#include "region.h"
#include "shm_segment.h"
#include "slot_pool.h"
#include "support/expectations.h"
#include "support/frame_differs.h"
#include "support/randr_monitors.h"
#include "support/painted_screen.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm;
using xshm_test::contains;
using xshm_test::XvfbServer;

namespace {

std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const Error &e) {
        return e.what();
    }
    return "";
}

std::unique_ptr<Grabber> open_grabber(const std::string &display) {
    GrabberOptions options;
    options.source.display_name = display;
    return std::make_unique<Grabber>(options);
}

// A slot, or null when the wait was cancelled or timed out.
std::unique_ptr<SlotPool::Lease>
take(SlotPool &pool, const std::atomic<bool> &cancel,
     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return pool.acquire(cancel, timeout).lease;
}

constexpr Nanos kMs = 1000000;

SessionOptions session_options(const XvfbServer &x) {
    SessionOptions o;
    o.grabber.source.display_name = x.display();
    o.grabber.show_pointer = false; // frames are compared with painted pixels
    return o;
}

// next() at the frame time of `now` until it gives something other than
// Nothing (a change may take a moment to be reported by the server), for up
// to a second of real time.
Step next_event(CaptureSession &session, Nanos now) {
    const FramePacer::Tick tick = session.schedule(now);
    Step step;
    for (int i = 0; i < 200; ++i) {
        step = session.next(tick);
        if (step.outcome != Outcome::Nothing)
            break;
        g_usleep(5000);
    }
    return step;
}

// The frames pushed at the frame times after `now` up to `until`, each tick
// taken at its due time as xshmsrc's create() does; `now` ends at `until`.
std::vector<Frame> frames_until(CaptureSession &session, Nanos &now, Nanos until) {
    std::vector<Frame> frames;
    for (FramePacer::Tick tick = session.schedule(now); tick.due <= until;
         tick = session.schedule(now)) {
        now = std::max(now, tick.due);
        Step step = session.next(tick);
        fail_unless(step.outcome == Outcome::Frame || step.outcome == Outcome::Nothing,
                    "outcome %d at %" G_GINT64_FORMAT, int(step.outcome), now);
        if (step.outcome == Outcome::Frame)
            frames.push_back(std::move(step.frame));
    }
    now = until;
    return frames;
}

// The frame answers a request of this count, at this time.
void expect_answer(const Frame &frame, Nanos timestamp, unsigned count) {
    fail_unless_equals_int64(frame.timestamp, timestamp);
    fail_unless(frame.answers.has_value(), "the frame at %" G_GINT64_FORMAT " answers nothing",
                frame.timestamp);
    fail_unless_equals_int(frame.answers->count, count);
}

} // namespace

GST_START_TEST(region_rules_follow_ximagesrc) {
    Region full = resolve_region({}, 640, 480);
    fail_unless(full.x == 0 && full.y == 0 && full.width == 640 && full.height == 480);
    Region r = resolve_region({10, 20, 19, 29}, 640, 480); // inclusive ends
    fail_unless(r.x == 10 && r.y == 20 && r.width == 10 && r.height == 10);
    Region edge = resolve_region({600, 400, 0, 0}, 640, 480); // 0 = to the edge
    fail_unless(edge.width == 40 && edge.height == 80);
    Region pixel = resolve_region({639, 479, 639, 479}, 640, 480);
    fail_unless(pixel.width == 1 && pixel.height == 1);

    std::string e = error_of([] { resolve_region({0, 0, 640, 0}, 640, 480); });
    fail_unless(contains(e, "endx=640") && contains(e, "640x480"), "%s", e.c_str());
    e = error_of([] { resolve_region({700, 0, 0, 0}, 640, 480); });
    fail_unless(contains(e, "startx=700"), "%s", e.c_str());
    e = error_of([] { resolve_region({0, 300, 0, 200}, 640, 480); });
    fail_unless(contains(e, "starty=300") && contains(e, "empty"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(pixel_formats_map_to_gstreamer_names) {
    XvfbServer x24({64, 64, 24});
    auto g24 = open_grabber(x24.display());
    fail_unless_equals_string(g24->format().gst_format.c_str(), "BGRx");
    XvfbServer x16({63, 64, 16});
    auto g16 = open_grabber(x16.display());
    fail_unless_equals_string(g16->format().gst_format.c_str(), "RGB16");
    fail_unless_equals_int(int(g16->stride()), 128); // 126 bytes padded to 32 bits
}
GST_END_TEST;

GST_START_TEST(unsupported_layout_is_named) {
    XvfbServer x8({64, 64, 8});
    GrabberOptions o;
    o.source.display_name = x8.display();
    const std::string e = error_of([&] { Grabber g(o); });
    fail_unless(contains(e, "depth 8") && contains(e, "8 bits per pixel"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(bad_display_is_named) {
    GrabberOptions o;
    o.source.display_name = ":4094";
    const std::string e = error_of([&] { Grabber g(o); });
    fail_unless(contains(e, "':4094'"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(slot_pool_reuses_last_released_first) {
    XvfbServer x({64, 64, 24});
    auto g = open_grabber(x.display());
    auto pool = g->slot_pool();
    fail_unless(pool != nullptr);
    pool->set_max_slots(3);
    std::atomic<bool> cancel{false};
    auto a = take(*pool, cancel);
    auto b = take(*pool, cancel);
    auto c = take(*pool, cancel);
    fail_unless_equals_int(pool->slots_created(), 3);
    const unsigned ia = a->slot_index(), ic = c->slot_index();
    c.reset();
    a.reset();
    auto next = take(*pool, cancel);
    fail_unless_equals_int(next->slot_index(), ia); // released last, reused first
    auto after = take(*pool, cancel);
    fail_unless_equals_int(after->slot_index(), ic);
    fail_unless_equals_int(pool->slots_created(), 3);
}
GST_END_TEST;

GST_START_TEST(slot_pool_waits_at_its_limit_and_can_be_interrupted) {
    XvfbServer x({64, 64, 24});
    auto g = open_grabber(x.display());
    auto pool = g->slot_pool();
    pool->set_max_slots(2);
    std::atomic<bool> cancel{false};
    auto a = take(*pool, cancel);
    auto b = take(*pool, cancel);

    // A release wakes the waiter with that slot.
    const unsigned ib = b->slot_index();
    std::unique_ptr<SlotPool::Lease> got;
    std::thread waiter([&] { got = take(*pool, cancel); });
    g_usleep(100000);
    fail_unless(got == nullptr);
    b.reset();
    waiter.join();
    fail_unless(got != nullptr);
    fail_unless_equals_int(got->slot_index(), ib);

    // At the limit, a short wait times out.
    const auto timed = pool->acquire(cancel, std::chrono::milliseconds(50));
    fail_unless(timed.status == SlotPool::Acquired::Status::TimedOut);

    // Cancelling wakes it with nothing.
    std::atomic<bool> done{false};
    std::unique_ptr<SlotPool::Lease> none;
    std::thread flushed([&] {
        none = take(*pool, cancel);
        done = true;
    });
    g_usleep(100000);
    fail_unless(!done);
    cancel = true;
    pool->wake_waiters();
    flushed.join();
    fail_unless(none == nullptr);
    fail_unless(pool->acquire(cancel, std::chrono::seconds(1)).status ==
                SlotPool::Acquired::Status::Cancelled);
    fail_unless_equals_int(pool->slots_created(), 2);
}
GST_END_TEST;

GST_START_TEST(slots_stay_readable_after_the_connection_closes) {
    XvfbServer x({64, 64, 24});
    auto g = open_grabber(x.display());
    std::atomic<bool> cancel{false};
    auto slot = take(*g->slot_pool(), cancel);
    g->capture_into(*slot);
    const int first_byte = slot->data()[0];
    g.reset(); // disconnects
    x.kill();
    fail_unless_equals_int(int(slot->data()[0]), first_byte);
    slot.reset(); // unmaps, sends nothing
    fail_unless_equals_int(xshm_test::count_slot_mappings(getpid()), 0);
}
GST_END_TEST;

GST_START_TEST(sysv_segments_are_private) {
    XvfbServer x({64, 64, 24});
    auto display = DisplayConnection::open(x.display());
    auto segment = ShmSegment::create(display, SegmentKind::SysV, 4096);
    // Marked for removal once attached, so it shows with key 0 and our pid.
    bool found = false;
    for (const xshm_test::SysvSegment &s : xshm_test::sysv_segments()) {
        if (s.creator == getpid()) {
            found = true;
            fail_unless_equals_int(int(s.perms & 0777), 0600);
        }
    }
    fail_unless(found, "segment not listed in /proc/sysvipc/shm");
}
GST_END_TEST;

GST_START_TEST(frame_pacer_schedules_and_skips_late_frames) {
    FramePacer pacer;
    pacer.set_rate(30, 1);
    fail_unless_equals_int64(pacer.period(), 33333333);
    FramePacer::Tick t = pacer.next(0);
    fail_unless(t.number == 0 && t.due == 0);
    pacer.taken(t);
    t = pacer.next(10 * kMs); // early: wait for frame 1
    fail_unless(t.number == 1 && t.due == 33333333);
    pacer.taken(t);
    t = pacer.next(100 * kMs); // late: frame 3 now, frame 2 skipped
    fail_unless(t.number == 3 && t.due == 100 * kMs);
    pacer.taken(t);
    pacer.set_rate(60, 1); // frame 3 at 30/1 is frame 6 at 60/1
    t = pacer.next(101 * kMs);
    fail_unless(t.number == 7 && t.due == 116666666, "%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT,
                t.number, t.due);
    pacer.set_rate(0, 1); // unpaced: at once
    t = pacer.next(102 * kMs);
    fail_unless(t.due == 102 * kMs && pacer.period() == kNoTime);
}
GST_END_TEST;

// Converted frames are remade from the mirror's changed rows, unless the
// mirror was fetched whole: then drawing newer than its damage generation may
// be in it (CI: a torn I420 frame under valgrind), so every row is converted.
GST_START_TEST(converted_rows_follow_how_the_mirror_was_fetched) {
    using Bands = std::vector<RowBand>;
    const Bands typing{{100, 10}}, widened{{100, 25}}, all{{0, 240}}, none;
    const std::optional<RowBand> pointer = RowBand{105, 20};
    const CaptureResult rows_only{100 * 1280, false, {7, {}}};
    fail_unless(rows_to_convert(rows_only, typing, {}, 240) == typing);
    fail_unless(rows_to_convert(rows_only, typing, {pointer, std::nullopt}, 240) == widened);
    fail_unless(rows_to_convert(rows_only, none, {}, 240).empty());        // a still screen
    fail_unless(rows_to_convert(rows_only, std::nullopt, {}, 240) == all); // history too old
    const CaptureResult whole{240 * 1280, true, {7, {}}};
    fail_unless(rows_to_convert(whole, typing, {}, 240) == all);
    fail_unless(rows_to_convert(whole, none, {}, 240) == all);
}
GST_END_TEST;

GST_START_TEST(session_repeats_a_still_screen_at_constant_rate) {
    xshm_test::PaintedScreen screen({320, 240, 24}, 21);
    screen.sync();
    Nanos now = 0;
    CaptureSession session(session_options(screen), [&] { return now; });
    session.set_rate(30, 1);
    fail_unless(!session.format().variable_rate);
    Step step = session.next(session.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Captured);
    const std::string diff = frame_differs(*step.frame.memory, screen, session.format().stride);
    fail_unless(diff.empty(), "%s", diff.c_str());
    fail_unless_equals_int64(step.frame.timestamp, 0);
    fail_unless_equals_int64(step.frame.duration, 33333333);
    now = 40 * kMs;
    step = session.next(session.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Repeated);
    fail_unless(step.frame.memory == nullptr, "a repeat carries no new pixels");
    // Taken 7 ms late, stamped at its frame time: frames a period apart.
    fail_unless_equals_int64(step.frame.timestamp, 33333333);
    fail_unless_equals_int(int(step.frame.number), 1);
    const SessionStats st = session.stats();
    fail_unless(st.frames == 2 && st.repeated_frames == 1 &&
                st.full_captures + st.partial_captures == 1);
}
GST_END_TEST;

GST_START_TEST(session_skips_keeps_alive_and_captures_changes) {
    xshm_test::PaintedScreen screen({320, 240, 24}, 22);
    screen.sync();
    SessionOptions o = session_options(screen);
    o.skip_unchanged = true;
    o.keepalive_ms = 1000;
    Nanos now = 0;
    CaptureSession session(o, [&] { return now; });
    session.set_rate(30, 1);
    fail_unless(session.format().variable_rate);
    Step step = session.next(session.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Captured);
    fail_unless_equals_int64(step.frame.duration, kNoTime); // not known at a variable rate
    for (Nanos t : {100 * kMs, 999 * kMs}) {
        now = t;
        fail_unless(session.next(session.schedule(now)).outcome == Outcome::Nothing);
    }
    now = 1000 * kMs;
    step = session.next(session.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Keepalive);
    fail_unless_equals_int64(step.frame.timestamp, 1000 * kMs);
    now = 1500 * kMs;
    fail_unless(session.next(session.schedule(now)).outcome == Outcome::Nothing);

    screen.fill_rect(10, 100, 50, 20, 0x00ff00);
    screen.sync();
    now = 1600 * kMs;
    step = next_event(session, now);
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Captured);
    fail_unless(!step.frame.capture.full, "a small change was fetched whole");
    fail_unless_equals_int64(step.frame.timestamp, 1600 * kMs);
    const std::string diff = frame_differs(*step.frame.memory, screen, session.format().stride);
    fail_unless(diff.empty(), "%s", diff.c_str());
    const SessionStats st = session.stats();
    fail_unless(st.keepalive_frames == 1 && st.skipped_frames >= 3 &&
                st.full_captures + st.partial_captures == 2);
}
GST_END_TEST;

// A key unit requested for a moment of a still screen needs a frame of its
// own then (issue 14): exactly one, at the first frame time at or after it.
GST_START_TEST(session_pushes_a_requested_frame_on_a_still_screen) {
    xshm_test::PaintedScreen screen({320, 240, 24}, 23);
    screen.sync();
    SessionOptions o = session_options(screen);
    o.skip_unchanged = true;
    o.keepalive_ms = 0;
    Nanos now = 0;
    CaptureSession session(o, [&] { return now; });
    session.set_rate(30, 1);
    Step first = session.next(session.schedule(now));
    fail_unless(first.outcome == Outcome::Frame && !first.frame.answers);

    session.request_frame({510 * kMs, true, 7});
    std::vector<Frame> frames = frames_until(session, now, 2000 * kMs);
    fail_unless_equals_int(frames.size(), 1);
    fail_unless(frames[0].kind == FrameKind::Requested && frames[0].memory == nullptr);
    expect_answer(frames[0], 533333333, 7); // the frame time after 510 ms (1/30 s grid)
    fail_unless(frames[0].answers->all_headers);

    // No time, or one already past: the next frame time; both answered at once.
    session.request_frame({kNoTime, false, 8});
    session.request_frame({100 * kMs, false, 9});
    frames = frames_until(session, now, 2100 * kMs);
    fail_unless_equals_int(frames.size(), 1);
    expect_answer(frames[0], 2033333333, 9);
    fail_unless(!frames[0].answers->all_headers);

    // Requests sent latest first are each answered at their own time.
    session.request_frame({3000 * kMs, false, 11});
    session.request_frame({2500 * kMs, false, 10});
    frames = frames_until(session, now, 3500 * kMs);
    fail_unless_equals_int(frames.size(), 2);
    expect_answer(frames[0], 2500 * kMs, 10);
    expect_answer(frames[1], 3000 * kMs, 11);

    // Flushing forgets requests: their times belong to the flushed stream.
    session.request_frame({3700 * kMs, false, 12});
    session.interrupt();
    session.resume();
    fail_unless(frames_until(session, now, 4000 * kMs).empty(), "a flushed request was answered");

    const SessionStats st = session.stats();
    fail_unless(st.requested_frames == 4 && st.frames == 5 && st.keepalive_frames == 0 &&
                st.full_captures + st.partial_captures == 1);
}
GST_END_TEST;

// A frame pushed anyway at or after a requested time answers it, with no
// frame of its own; one before that time does not (a key unit too early).
GST_START_TEST(session_answers_requests_with_the_frames_it_pushes) {
    xshm_test::PaintedScreen screen({320, 240, 24}, 24);
    screen.sync();
    SessionOptions o = session_options(screen);
    o.skip_unchanged = true;
    o.keepalive_ms = 0;
    Nanos now = 0;
    CaptureSession vfr(o, [&] { return now; });
    vfr.set_rate(30, 1);
    vfr.request_frame({kNoTime, false, 1}); // before any frame: the first one
    Step step = vfr.next(vfr.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Captured);
    expect_answer(step.frame, 0, 1);

    vfr.request_frame({810 * kMs, false, 2});
    now = 600 * kMs;
    screen.fill_rect(10, 10, 40, 20, 0x00ff00);
    screen.sync();
    step = next_event(vfr, now);
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Captured);
    fail_unless(!step.frame.answers, "a change at 600 ms answered a request for 810 ms");
    std::vector<Frame> frames = frames_until(vfr, now, 1000 * kMs);
    fail_unless(frames.size() == 1 && frames[0].kind == FrameKind::Requested);
    expect_answer(frames[0], 833333333, 2);

    vfr.request_frame({1200 * kMs, false, 3});
    fail_unless(frames_until(vfr, now, 1190 * kMs).empty());
    screen.fill_rect(10, 40, 40, 20, 0x0000ff);
    screen.sync();
    g_usleep(100000); // the server's report of the change reaches the session
    frames = frames_until(vfr, now, 1500 * kMs);
    fail_unless_equals_int(frames.size(), 1);
    fail_unless(frames[0].kind == FrameKind::Captured, "kind %d", int(frames[0].kind));
    expect_answer(frames[0], 1200 * kMs, 3);
    fail_unless_equals_int(vfr.stats().requested_frames, 1);

    // At a constant rate every frame time pushes a frame: the first at or
    // after the requested time answers it.
    o.skip_unchanged = false;
    now = 0;
    CaptureSession cfr(o, [&] { return now; });
    cfr.set_rate(30, 1);
    cfr.request_frame({90 * kMs, false, 4});
    frames = frames_until(cfr, now, 200 * kMs);
    fail_unless_equals_int(frames.size(), 7);
    for (const Frame &frame : frames)
        fail_unless(frame.answers.has_value() == (frame.timestamp == 100 * kMs),
                    "frame at %" G_GINT64_FORMAT, frame.timestamp);
    fail_unless(frames[3].kind == FrameKind::Repeated);
    expect_answer(frames[3], 100 * kMs, 4);
    fail_unless_equals_int(cfr.stats().requested_frames, 0);
}
GST_END_TEST;

GST_START_TEST(session_closes_with_the_last_frame_at_the_stop_time) {
    XvfbServer x({160, 120, 24});
    SessionOptions o = session_options(x);
    o.skip_unchanged = true;
    Nanos now = 0;
    CaptureSession vfr(o, [&] { return now; });
    vfr.set_rate(30, 1);
    fail_unless(vfr.next(vfr.schedule(0)).outcome == Outcome::Frame);
    now = 3000 * kMs;
    vfr.request_close(2900 * kMs);
    fail_unless(vfr.closing());
    Step step = vfr.next(vfr.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Closing);
    fail_unless_equals_int64(step.frame.timestamp, 2900 * kMs);
    fail_unless_equals_int64(step.frame.duration, 33333333);
    fail_unless(vfr.next(vfr.schedule(now)).outcome == Outcome::Ended);

    // At a constant rate the last frame lasts a period: a stop within it needs no more.
    o.skip_unchanged = false;
    now = 0;
    CaptureSession cfr(o, [&] { return now; });
    cfr.set_rate(30, 1);
    fail_unless(cfr.next(cfr.schedule(0)).outcome == Outcome::Frame);
    cfr.request_close(20 * kMs);
    fail_unless(cfr.next(cfr.schedule(now)).outcome == Outcome::Ended);

    // A stop a millisecond after a frame: the closing frame comes a period
    // after it, or Matroska's milliseconds would give both one timestamp.
    o.skip_unchanged = true;
    now = 1000 * kMs;
    CaptureSession soon(o, [&] { return now; });
    soon.set_rate(30, 1);
    fail_unless(soon.next(soon.schedule(now)).outcome == Outcome::Frame);
    soon.request_close(1001 * kMs);
    step = soon.next(soon.schedule(now));
    fail_unless(step.outcome == Outcome::Frame && step.frame.kind == FrameKind::Closing);
    fail_unless_equals_int64(step.frame.timestamp, 1000 * kMs + 33333333);
}
GST_END_TEST;

GST_START_TEST(session_waits_for_slots_says_so_and_notices_a_dead_server) {
    auto *x = new XvfbServer({160, 120, 24});
    SessionOptions o = session_options(*x);
    o.grabber.use_damage = false;
    o.grabber.max_slots = 2;
    CaptureSession session(o, [] { return Nanos(0); });
    Step a = session.next(session.schedule(0)), b = session.next(session.schedule(0));
    fail_unless(a.outcome == Outcome::Frame && b.outcome == Outcome::Frame);
    gint64 begin = g_get_monotonic_time();
    Step stalled = session.next(session.schedule(0)); // both slots are held
    const gint64 waited = g_get_monotonic_time() - begin;
    fail_unless(stalled.outcome == Outcome::Stalled, "outcome %d", int(stalled.outcome));
    fail_unless(waited >= 450000 && waited < 3 * G_USEC_PER_SEC, "waited %" G_GINT64_FORMAT,
                waited);
    fail_unless(contains(stalled.message, "max-slots"), "%s", stalled.message.c_str());

    // interrupt() wakes the wait at once.
    std::thread flusher([&] {
        g_usleep(100000);
        session.interrupt();
    });
    begin = g_get_monotonic_time();
    fail_unless(session.next(session.schedule(0)).outcome == Outcome::Interrupted);
    flusher.join();
    fail_unless(g_get_monotonic_time() - begin < G_USEC_PER_SEC);
    session.resume();

    // The server dies while downstream still holds every slot.
    x->kill();
    begin = g_get_monotonic_time();
    Step dead = session.next(session.schedule(0));
    fail_unless(dead.outcome == Outcome::Failed, "outcome %d", int(dead.outcome));
    fail_unless(contains(dead.message, "lost the connection"), "%s", dead.message.c_str());
    fail_unless(g_get_monotonic_time() - begin < G_USEC_PER_SEC);
    delete x;
}
GST_END_TEST;

// With descriptors exhausted a new slot cannot be made: that is an error the
// session returns, not an exception (which would abort: libunwind, linked by
// GStreamer, needs a descriptor to unwind).
GST_START_TEST(slot_failure_without_descriptors_is_an_error) {
    XvfbServer x({160, 120, 24});
    SessionOptions o = session_options(x);
    o.grabber.use_damage = false;
    CaptureSession session(o, [] { return Nanos(0); });
    Step held = session.next(session.schedule(0)); // the first slot, kept
    fail_unless(held.outcome == Outcome::Frame);
    rlimit saved{};
    getrlimit(RLIMIT_NOFILE, &saved);
    const int lowest_free = dup(0);
    close(lowest_free);
    rlimit tight = saved;
    tight.rlim_cur = rlim_t(lowest_free);
    setrlimit(RLIMIT_NOFILE, &tight);
    Step step = session.next(session.schedule(0));
    setrlimit(RLIMIT_NOFILE, &saved);
    fail_unless(step.outcome == Outcome::Failed, "outcome %d", int(step.outcome));
    fail_unless(step.failure == Failure::NoSpace);
    fail_unless(contains(step.message, "memfd_create failed") &&
                    contains(step.message, "Too many open files"),
                "%s", step.message.c_str());
}
GST_END_TEST;

GST_START_TEST(session_follows_a_resized_screen_and_live_settings) {
    XvfbServer x({640, 480, 24});
    CaptureSession session(session_options(x), [] { return Nanos(0); });
    fail_unless(session.next(session.schedule(0)).outcome == Outcome::Frame);
    xshm_test::run_xrandr(x.display(), "--fb 320x240", false);
    Step step;
    for (int i = 0; i < 100 && step.outcome != Outcome::Renegotiate; ++i) {
        step = session.next(session.schedule(0));
        g_usleep(10000);
    }
    fail_unless(step.outcome == Outcome::Renegotiate, "the resize was not noticed");
    fail_unless(session.format().width == 320 && session.format().height == 240);

    SessionOptions live = session_options(x);
    live.skip_unchanged = true;
    live.grabber.show_pointer = true;
    fail_unless(session.update(live).empty());
    step = session.next(session.schedule(0));
    fail_unless(step.outcome == Outcome::Renegotiate && session.format().variable_rate);
}
GST_END_TEST;

// A process killed while the server attaches its segment (the server is
// stopped, so the attach round trip hangs) leaves no segment behind: it is
// marked for removal before that round trip.
GST_START_TEST(killed_process_leaks_no_sysv_segment) {
    XvfbServer x({64, 64, 24});
    for (int i = 0; i < 5; ++i) {
        int ready[2];
        fail_unless(pipe(ready) == 0);
        const pid_t child = fork();
        if (child == 0) {
            auto display = DisplayConnection::open(x.display());
            (void)!write(ready[1], "x", 1);
            g_usleep(100000); // the server is stopped meanwhile
            ShmSegment::create(display, SegmentKind::SysV, 64 * 64 * 4);
            _exit(0);
        }
        char c;
        (void)!read(ready[0], &c, 1);
        kill(x.pid(), SIGSTOP);
        g_usleep(300000); // the child is in the attach round trip
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        kill(x.pid(), SIGCONT);
        close(ready[0]);
        close(ready[1]);
        for (const xshm_test::SysvSegment &s : xshm_test::sysv_segments())
            fail_unless(s.creator != child, "the killed process left segment %ld", s.shmid);
    }
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(region_rules_follow_ximagesrc)                                                       \
    XSHM_CASE(pixel_formats_map_to_gstreamer_names)                                                \
    XSHM_CASE(unsupported_layout_is_named)                                                         \
    XSHM_CASE(bad_display_is_named)                                                                \
    XSHM_CASE(slot_pool_reuses_last_released_first)                                                \
    XSHM_CASE(slot_pool_waits_at_its_limit_and_can_be_interrupted)                                 \
    XSHM_CASE(slots_stay_readable_after_the_connection_closes)                                     \
    XSHM_CASE(sysv_segments_are_private)                                                           \
    XSHM_CASE(frame_pacer_schedules_and_skips_late_frames)                                         \
    XSHM_CASE(converted_rows_follow_how_the_mirror_was_fetched)                                    \
    XSHM_CASE(session_repeats_a_still_screen_at_constant_rate)                                     \
    XSHM_CASE(session_skips_keeps_alive_and_captures_changes)                                      \
    XSHM_CASE(session_pushes_a_requested_frame_on_a_still_screen)                                  \
    XSHM_CASE(session_answers_requests_with_the_frames_it_pushes)                                  \
    XSHM_CASE(session_closes_with_the_last_frame_at_the_stop_time)                                 \
    XSHM_CASE(session_waits_for_slots_says_so_and_notices_a_dead_server)                           \
    XSHM_CASE(slot_failure_without_descriptors_is_an_error)                                        \
    XSHM_CASE(session_follows_a_resized_screen_and_live_settings)                                  \
    XSHM_CASE(killed_process_leaks_no_sysv_segment)

XSHM_SUITE(core, 60)
