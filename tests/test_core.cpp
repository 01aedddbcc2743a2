// The grabber core on its own: region rules, pixel formats, the slot pool,
// segment permissions.
#include <atomic>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "error.h"
#include "grabber.h"
#include "region.h"
#include "slot_pool.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm;
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
    options.display_name = display;
    return std::make_unique<Grabber>(options);
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
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
    o.display_name = x8.display();
    const std::string e = error_of([&] { Grabber g(o); });
    fail_unless(contains(e, "depth 8") && contains(e, "8 bits per pixel"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(bad_display_is_named) {
    GrabberOptions o;
    o.display_name = ":4094";
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
    auto a = pool->acquire(cancel);
    auto b = pool->acquire(cancel);
    auto c = pool->acquire(cancel);
    fail_unless_equals_int(pool->slots_created(), 3);
    const unsigned ia = a->slot_index(), ic = c->slot_index();
    c.reset();
    a.reset();
    auto next = pool->acquire(cancel);
    fail_unless_equals_int(next->slot_index(), ia); // released last, reused first
    auto after = pool->acquire(cancel);
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
    auto a = pool->acquire(cancel);
    auto b = pool->acquire(cancel);

    // A release wakes the waiter with that slot.
    const unsigned ib = b->slot_index();
    std::unique_ptr<SlotPool::Lease> got;
    std::thread waiter([&] { got = pool->acquire(cancel); });
    g_usleep(100000);
    fail_unless(got == nullptr);
    b.reset();
    waiter.join();
    fail_unless(got != nullptr);
    fail_unless_equals_int(got->slot_index(), ib);

    // Cancelling wakes it with nothing.
    std::atomic<bool> done{false};
    std::unique_ptr<SlotPool::Lease> none;
    std::thread flushed([&] {
        none = pool->acquire(cancel);
        done = true;
    });
    g_usleep(100000);
    fail_unless(!done);
    cancel = true;
    pool->interrupt();
    flushed.join();
    fail_unless(none == nullptr);
    fail_unless_equals_int(pool->slots_created(), 2);
}
GST_END_TEST;

GST_START_TEST(slots_stay_readable_after_the_connection_closes) {
    XvfbServer x({64, 64, 24});
    auto g = open_grabber(x.display());
    std::atomic<bool> cancel{false};
    auto slot = g->slot_pool()->acquire(cancel);
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
    std::ifstream in("/proc/sysvipc/shm");
    std::string line;
    std::getline(in, line);
    bool found = false;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        long key, shmid, perms, size, cpid;
        fields >> key >> shmid >> std::oct >> perms >> std::dec >> size >> cpid;
        if (cpid == getpid()) {
            found = true;
            fail_unless_equals_int(int(perms & 0777), 0600);
        }
    }
    fail_unless(found, "segment not listed in /proc/sysvipc/shm");
}
GST_END_TEST;

static Suite *core_suite() {
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("general");
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, region_rules_follow_ximagesrc);
    tcase_add_test(tc, pixel_formats_map_to_gstreamer_names);
    tcase_add_test(tc, unsupported_layout_is_named);
    tcase_add_test(tc, bad_display_is_named);
    tcase_add_test(tc, slot_pool_reuses_last_released_first);
    tcase_add_test(tc, slot_pool_waits_at_its_limit_and_can_be_interrupted);
    tcase_add_test(tc, slots_stay_readable_after_the_connection_closes);
    tcase_add_test(tc, sysv_segments_are_private);
    return s;
}

XSHM_CHECK_MAIN(core)
