// SPDX-License-Identifier: LGPL-2.1-or-later
// Capturing one RandR monitor, by name, output name, index or "primary".
#include <string>

#include <gst/video/video.h>

#include "support/capture_pipeline.h"
#include "support/expectations.h"
#include "support/randr_monitors.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

// A 1280x480 screen split into LEFT and RIGHT, beside the server's automatic
// monitor "screen" (the whole screen, on the output also called "screen").
struct TwoMonitors {
    XvfbServer x{XvfbOptions(1280, 480, 24)};
    ScreenPainter painter{x.display()};
    TwoMonitors() {
        define_monitor(x.display(), "LEFT", 0, 0, 640, 480);
        define_monitor(x.display(), "RIGHT", 640, 0, 640, 480);
        painter.paint_pattern(21);
    }
    void expect(const std::string &props, unsigned left, unsigned top, unsigned w, unsigned h) {
        CapturePipeline cp("display-name=" + x.display() + " " + props);
        fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
        expect_frame(cp, painter.expected(left, top, w, h), w, h, 4,
                     ("the first frame of '" + props + "'").c_str(), 1);
    }
    std::string error(const std::string &props) {
        return start_error("display-name=" + x.display() + " " + props);
    }
};

} // namespace

GST_START_TEST(each_monitor_is_pixel_exact) {
    TwoMonitors m;
    m.expect("monitor=LEFT", 0, 0, 640, 480);
    m.expect("monitor=RIGHT", 640, 0, 640, 480);
    m.expect("monitor=1", 640, 0, 640, 480);
    m.expect("monitor=screen", 0, 0, 1280, 480);
    m.expect("", 0, 0, 1280, 480); // no monitor: the whole screen
}
GST_END_TEST;

GST_START_TEST(region_applies_inside_the_monitor) {
    TwoMonitors m;
    m.expect("monitor=RIGHT startx=10 starty=20 endx=109 endy=119", 650, 20, 100, 100);
    const std::string e = m.error("monitor=RIGHT startx=600 endx=700");
    fail_unless(contains(e, "endx=700") && contains(e, "RIGHT 640x480+640+0"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(primary_monitor) {
    TwoMonitors m;
    // None is marked primary (a bare X session): the first monitor, LEFT.
    m.expect("monitor=primary", 0, 0, 640, 480);
    make_output_primary(m.x.display()); // the automatic monitor "screen" becomes primary
    m.expect("monitor=primary", 0, 0, 1280, 480);
}
GST_END_TEST;

GST_START_TEST(unknown_monitor_lists_the_monitors) {
    TwoMonitors m;
    std::string e = m.error("monitor=HDMI-9");
    fail_unless(contains(e, "'HDMI-9'") && contains(e, "LEFT 640x480+0+0") &&
                    contains(e, "RIGHT 640x480+640+0"),
                "%s", e.c_str());
    e = m.error("monitor=3");
    fail_unless(contains(e, "'3'"), "%s", e.c_str());
}
GST_END_TEST;

GST_START_TEST(device_provider_lists_and_creates_monitors) {
    TwoMonitors m;
    g_setenv("DISPLAY", m.x.display().c_str(), TRUE);
    GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("xshmdeviceprovider");
    fail_unless(provider != nullptr);
    GList *devices = gst_device_provider_get_devices(provider);
    fail_unless_equals_int(int(g_list_length(devices)), 3); // LEFT, RIGHT, screen
    GstDevice *right = nullptr;
    for (GList *l = devices; l != nullptr; l = l->next) {
        GstDevice *device = GST_DEVICE(l->data);
        fail_unless(gst_device_has_classes(device, "Source/Monitor"));
        GstStructure *props = gst_device_get_properties(device);
        if (g_strcmp0(gst_structure_get_string(props, "xshm.monitor.name"), "RIGHT") == 0) {
            right = device;
            gint x = 0;
            gst_structure_get_int(props, "xshm.monitor.x", &x);
            fail_unless_equals_int(x, 640);
            fail_unless_equals_string(gst_structure_get_string(props, "xshm.display"),
                                      m.x.display().c_str());
        }
        gst_structure_free(props);
    }
    fail_unless(right != nullptr, "RIGHT not listed");
    GstCaps *caps = gst_device_get_caps(right);
    GstStructure *st = gst_caps_get_structure(caps, 0);
    gint w = 0;
    gst_structure_get_int(st, "width", &w);
    fail_unless_equals_int(w, 640);
    fail_unless_equals_string(gst_structure_get_string(st, "format"), "BGRx");
    gst_caps_unref(caps);

    // The element it creates captures that monitor, byte for byte.
    GstElement *src = gst_device_create_element(right, "src");
    fail_unless(src != nullptr);
    g_object_set(src, "show-pointer", FALSE, nullptr); // the pointer sits on RIGHT
    GstElement *pipeline = gst_pipeline_new(nullptr);
    GstElement *sink = gst_element_factory_make("appsink", nullptr);
    gst_bin_add_many(GST_BIN(pipeline), src, sink, nullptr);
    fail_unless(gst_element_link(src, sink));
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
    fail_unless(sample != nullptr);
    const std::string diff = compare_frame(gst_sample_get_buffer(sample),
                                           m.painter.expected(640, 0, 640, 480), 640, 480, 4);
    fail_unless(diff.empty(), "%s", diff.c_str());
    gst_sample_unref(sample);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_list_free_full(devices, gst_object_unref);
    gst_object_unref(provider);
}
GST_END_TEST;

GST_START_TEST(resolution_change_renegotiates) {
    XvfbServer x({640, 480, 24});
    {
        ScreenPainter p(x.display());
        p.paint_pattern(41);
    }
    CapturePipeline cp("display-name=" + x.display(), "framerate=30/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *before = cp.pull();
    fail_unless(before != nullptr);
    // xrandr complains that the output no longer fits, but the screen shrinks.
    run_xrandr(x.display(), "--fb 320x240", false);
    ScreenPainter p(x.display());
    fail_unless_equals_int(int(p.width()), 320);
    p.paint_pattern(42);
    GstBuffer *after = pull_matching_frame(cp, p.expected(0, 0, 320, 240), 320, 240, 4,
                                           "the 320x240 screen after the resize");
    fail_unless_equals_int(caps_size(cp.source()).width, 320);
    // The frame from before the resize is still whole.
    fail_unless_equals_int(gst_buffer_get_video_meta(before)->width, 640);
    fail_unless(buffer_address(before) != nullptr);
    gst_buffer_unref(before);
    gst_buffer_unref(after);
}
GST_END_TEST;

GST_START_TEST(moved_monitor_is_followed) {
    TwoMonitors m;
    CapturePipeline cp("display-name=" + m.x.display() + " monitor=RIGHT", "framerate=30/1", 1);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, m.painter.expected(640, 0, 640, 480), 640, 480, 4, "RIGHT at 640,0", 30);
    run_xrandr(m.x.display(), "--delmonitor RIGHT");
    define_monitor(m.x.display(), "RIGHT", 700, 100, 320, 240);
    expect_frame(cp, m.painter.expected(700, 100, 320, 240), 320, 240, 4, "the moved RIGHT", 90);
}
GST_END_TEST;

GST_START_TEST(lost_monitor_is_an_error_or_eos) {
    TwoMonitors m;
    CapturePipeline cp("display-name=" + m.x.display() + " monitor=RIGHT");
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first = cp.pull();
    fail_unless(first != nullptr);
    gst_buffer_unref(first);
    run_xrandr(m.x.display(), "--delmonitor RIGHT");
    GstMessage *error = cp.drain_until_end();
    fail_unless(error != nullptr && GST_MESSAGE_TYPE(error) == GST_MESSAGE_ERROR, "no error");
    const std::string e = message_text(error);
    gst_message_unref(error);
    fail_unless(contains(e, "'RIGHT'") && contains(e, "LEFT"), "error: '%s'", e.c_str());

    define_monitor(m.x.display(), "RIGHT", 640, 0, 640, 480);
    CapturePipeline eos("display-name=" + m.x.display() +
                        " monitor=RIGHT eos-on-monitor-loss=true");
    fail_unless_equals_int(eos.play(), GST_STATE_CHANGE_SUCCESS);
    GstBuffer *first_of_eos = eos.pull();
    fail_unless(first_of_eos != nullptr);
    gst_buffer_unref(first_of_eos);
    run_xrandr(m.x.display(), "--delmonitor RIGHT");
    GstMessage *msg = eos.drain_until_end();
    fail_unless(msg != nullptr && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS, "no EOS but %s",
                msg ? GST_MESSAGE_TYPE_NAME(msg) : "nothing");
    gst_message_unref(msg);
}
GST_END_TEST;

// The name of the monitor in a DEVICE_ADDED / _REMOVED / _CHANGED message.
std::string announced(GstBus *bus, GstMessageType type) {
    GstMessage *msg = nullptr;
    // Extended message types share their filter bit: look at the exact type.
    while ((msg = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, type)) != nullptr &&
           GST_MESSAGE_TYPE(msg) != type)
        gst_message_unref(msg);
    if (msg == nullptr)
        return "";
    GstDevice *device = nullptr;
    if (type == GST_MESSAGE_DEVICE_ADDED)
        gst_message_parse_device_added(msg, &device);
    else if (type == GST_MESSAGE_DEVICE_REMOVED)
        gst_message_parse_device_removed(msg, &device);
    else
        gst_message_parse_device_changed(msg, &device, nullptr);
    GstStructure *props = gst_device_get_properties(device);
    std::string name = gst_structure_get_string(props, "xshm.monitor.name");
    gst_structure_free(props);
    gst_object_unref(device);
    gst_message_unref(msg);
    return name;
}

GST_START_TEST(device_provider_announces_changes) {
    TwoMonitors m;
    g_setenv("DISPLAY", m.x.display().c_str(), TRUE);
    GstDeviceProvider *provider = gst_device_provider_factory_get_by_name("xshmdeviceprovider");
    fail_unless(provider != nullptr);
    GstBus *bus = gst_device_provider_get_bus(provider);
    fail_unless(gst_device_provider_start(provider));
    GList *devices = gst_device_provider_get_devices(provider);
    fail_unless_equals_int(int(g_list_length(devices)), 3);
    g_list_free_full(devices, gst_object_unref);
    gst_bus_set_flushing(bus, TRUE); // forget the initial announcements
    gst_bus_set_flushing(bus, FALSE);

    define_monitor(m.x.display(), "EXTRA", 100, 100, 200, 200);
    fail_unless_text(announced(bus, GST_MESSAGE_DEVICE_ADDED), "EXTRA");
    run_xrandr(m.x.display(), "--delmonitor RIGHT");
    fail_unless_text(announced(bus, GST_MESSAGE_DEVICE_REMOVED), "RIGHT");
    // A moved monitor is the same device, changed.
    run_xrandr(m.x.display(), "--delmonitor EXTRA --setmonitor EXTRA 300/300x300/300+50+60 none");
    fail_unless_text(announced(bus, GST_MESSAGE_DEVICE_CHANGED), "EXTRA");
    gst_device_provider_stop(provider);
    gst_object_unref(bus);
    gst_object_unref(provider);
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(each_monitor_is_pixel_exact)                                                         \
    XSHM_CASE(region_applies_inside_the_monitor)                                                   \
    XSHM_CASE(primary_monitor)                                                                     \
    XSHM_CASE(unknown_monitor_lists_the_monitors)                                                  \
    XSHM_CASE(device_provider_lists_and_creates_monitors)                                          \
    XSHM_CASE(resolution_change_renegotiates)                                                      \
    XSHM_CASE(moved_monitor_is_followed)                                                           \
    XSHM_CASE(lost_monitor_is_an_error_or_eos)                                                     \
    XSHM_CASE(device_provider_announces_changes)

XSHM_SUITE(monitors, 120)
