// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audio_source.h"

#include <gst/gst.h>

namespace xshm_record {
namespace {

constexpr GstClockTime kAnswerTime = 5 * GST_SECOND; // a running server answers at once
constexpr const char *kSoundCame = "xshm-record-sound-came";

GstPadProbeReturn on_sound(GstPad *pad, GstPadProbeInfo *, gpointer) {
    GstElement *source = gst_pad_get_parent_element(pad);
    gst_element_post_message(source, gst_message_new_application(
                                         GST_OBJECT(source), gst_structure_new_empty(kSoundCame)));
    gst_object_unref(source);
    return GST_PAD_PROBE_REMOVE;
}

// The first sound from pulsesrc, or the error that came instead ("" when it came).
std::string try_source(const std::string &device) {
    GstElement *pipeline = gst_pipeline_new("audio-check");
    GstElement *source = gst_element_factory_make("pulsesrc", "audio");
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    if (source == nullptr || sink == nullptr) {
        gst_object_unref(pipeline);
        return "the GStreamer element 'pulsesrc' is not installed (Debian package "
               "gstreamer1.0-plugins-good)";
    }
    g_object_set(source, "client-name", "xshm-record", nullptr);
    if (!device.empty())
        g_object_set(source, "device", device.c_str(), nullptr);
    gst_bin_add_many(GST_BIN(pipeline), source, sink, nullptr);
    gst_element_link(source, sink);
    GstPad *pad = gst_element_get_static_pad(source, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_sound, nullptr, nullptr);
    gst_object_unref(pad);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *message = gst_bus_timed_pop_filtered(
        bus, kAnswerTime, GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_APPLICATION));
    std::string problem = "no sound came within 5 s";
    if (message != nullptr && GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError *error = nullptr;
        gst_message_parse_error(message, &error, nullptr);
        problem = error->message;
        g_error_free(error);
    } else if (message != nullptr) {
        problem.clear();
    }
    if (message != nullptr)
        gst_message_unref(message);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    return problem;
}

// The sources' names as --audio=DEVICE takes them.
std::string source_names() {
    GstDeviceMonitor *monitor = gst_device_monitor_new();
    gst_device_monitor_add_filter(monitor, "Audio/Source", nullptr);
    std::string names;
    if (gst_device_monitor_start(monitor)) {
        GList *devices = gst_device_monitor_get_devices(monitor);
        for (GList *d = devices; d != nullptr; d = d->next) {
            gchar *name = nullptr;
            if (g_object_class_find_property(G_OBJECT_GET_CLASS(d->data), "internal-name"))
                g_object_get(d->data, "internal-name", &name, nullptr);
            if (name != nullptr)
                names += (names.empty() ? "" : ", ") + std::string(name);
            g_free(name);
        }
        g_list_free_full(devices, gst_object_unref);
        gst_device_monitor_stop(monitor);
    }
    gst_object_unref(monitor);
    return names.empty() ? "none found (is PulseAudio or PipeWire running?)" : names;
}

} // namespace

std::string audio_source_problem(const std::string &device) {
    const std::string problem = try_source(device);
    if (problem.empty())
        return "";
    return "--audio: cannot record from the PulseAudio/PipeWire " +
           (device.empty() ? std::string("default source") : "source '" + device + "'") + ": " +
           problem + "; sources: " + source_names();
}

} // namespace xshm_record
