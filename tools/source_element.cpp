// SPDX-License-Identifier: LGPL-2.1-or-later
#include "source_element.h"

#include <string>

#include "error.h"
#include "recording_pipeline.h"

namespace xshm_record {
namespace {

// Holds the streaming thread at its first event (stream-start): it would
// negotiate next, with a pad that has no peer yet.
GstPadProbeReturn hold(GstPad *, GstPadProbeInfo *, gpointer) { return GST_PAD_PROBE_OK; }

// The error xshmsrc posted, or "".
std::string posted_error(GstBus *bus) {
    GstMessage *message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message == nullptr)
        return "";
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    std::string text = error != nullptr ? error->message : "";
    g_clear_error(&error);
    gst_message_unref(message);
    return text;
}

std::string text_property(GstElement *element, const char *name) {
    gchar *value = nullptr;
    g_object_get(element, name, &value, nullptr);
    std::string text = value != nullptr ? value : "";
    g_free(value);
    return text;
}

// What the started xshmsrc offers: its screen format at its size first, then
// I420, NV12 and Y444 where it converts itself.
SourceReport report_of(GstElement *element) {
    SourceReport r;
    r.description = text_property(element, "capture-source");
    r.shared_memory = text_property(element, "capture-path").rfind("shm-", 0) == 0;
    GstPad *pad = gst_element_get_static_pad(element, "src");
    GstCaps *caps = gst_pad_query_caps(pad, nullptr);
    gst_object_unref(pad);
    for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
        const GstStructure *s = gst_caps_get_structure(caps, i);
        gint width = 0, height = 0;
        if (i == 0 && gst_structure_get_int(s, "width", &width) &&
            gst_structure_get_int(s, "height", &height)) {
            r.width = unsigned(width);
            r.height = unsigned(height);
        }
        if (g_strcmp0(gst_structure_get_string(s, "format"), "I420") == 0)
            r.converts = true;
    }
    gst_caps_unref(caps);
    return r;
}

} // namespace

SourceElement::SourceElement(const RecorderOptions &options, const PictureLimits &limits) {
    const PropertyList properties = source_properties(options, limits);
    element_ = gst_element_factory_make("xshmsrc", "capture");
    if (element_ == nullptr)
        throw xshm::Error(missing_element_text("xshmsrc"));
    gst_object_ref_sink(element_);
    for (const auto &property : properties)
        gst_util_set_object_arg(G_OBJECT(element_), property.first.c_str(),
                                property.second.c_str());
    // Alone, it posts its error on a bus of its own.
    GstBus *bus = gst_bus_new();
    gst_element_set_bus(element_, bus);
    GstPad *pad = gst_element_get_static_pad(element_, "src");
    hold_ = gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, hold, nullptr, nullptr);
    gst_object_unref(pad);
    gst_element_set_locked_state(element_, TRUE);
    const bool started =
        gst_element_set_state(element_, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE;
    const std::string error = started ? "" : posted_error(bus);
    gst_bus_set_flushing(bus, TRUE); // nothing more to read there: the pipeline's bus takes over
    gst_object_unref(bus);
    try {
        if (!started)
            throw xshm::Error(refusal(options, error.empty() ? "xshmsrc did not start" : error));
        target_ = capture_target(options, limits, report_of(element_));
    } catch (...) {
        stop();
        throw;
    }
}

SourceElement::~SourceElement() { stop(); }

void SourceElement::stop() {
    // Its pad deactivated, a held streaming thread is let go, flushing.
    gst_element_set_state(element_, GST_STATE_NULL);
    release();
    gst_object_unref(element_);
}

void SourceElement::release() {
    gst_element_set_locked_state(element_, FALSE);
    if (hold_ == 0)
        return;
    GstPad *pad = gst_element_get_static_pad(element_, "src");
    gst_pad_remove_probe(pad, hold_);
    gst_object_unref(pad);
    hold_ = 0;
}

} // namespace xshm_record
