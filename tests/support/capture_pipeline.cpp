// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture_pipeline.h"

#include <cstring>
#include <stdexcept>

#include <gst/video/video.h>

namespace xshm_test {

CapturePipeline::CapturePipeline(const std::string &source_props, const std::string &caps,
                                 unsigned appsink_max_buffers, const std::string &filters) {
    // Frames are compared with painted pixels: no pointer unless a test asks.
    const std::string pointer =
        source_props.find("show-pointer") == std::string::npos ? " show-pointer=false" : "";
    const std::string description =
        "xshmsrc name=src " + source_props + pointer + " ! video/x-raw," + caps +
        (filters.empty() ? "" : " ! " + filters) +
        " ! appsink name=sink sync=false max-buffers=" + std::to_string(appsink_max_buffers);
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (pipeline_ == nullptr || error != nullptr) {
        std::string message = error ? error->message : "unknown";
        g_clear_error(&error);
        throw std::runtime_error("cannot build pipeline: " + message);
    }
    source_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    sink_ = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(pipeline_), "sink"));
}

CapturePipeline::~CapturePipeline() {
    stop();
    gst_object_unref(sink_);
    gst_object_unref(source_);
    gst_object_unref(pipeline_);
}

GstStateChangeReturn CapturePipeline::play() {
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
    return gst_element_get_state(pipeline_, nullptr, nullptr, 10 * GST_SECOND);
}

void CapturePipeline::stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

GstBuffer *CapturePipeline::pull(GstClockTime timeout) {
    GstSample *sample = gst_app_sink_try_pull_sample(sink_, timeout);
    if (sample == nullptr)
        return nullptr;
    GstBuffer *buffer = gst_buffer_ref(gst_sample_get_buffer(sample));
    gst_sample_unref(sample);
    return buffer;
}

GstMessage *CapturePipeline::drain_until_end(bool *warned) {
    GstBus *bus = gst_element_get_bus(pipeline_);
    GstMessage *msg = nullptr;
    const auto types = GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    for (int i = 0; i < 50 && msg == nullptr; ++i) {
        GstBuffer *buffer = pull(100 * GST_MSECOND);
        const bool got = buffer != nullptr;
        if (got)
            gst_buffer_unref(buffer);
        // At EOS the sink returns at once: wait on the bus instead.
        msg = gst_bus_timed_pop_filtered(bus, got ? 0 : 100 * GST_MSECOND, types);
        if (msg != nullptr && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
            if (warned != nullptr)
                *warned = true;
            gst_message_unref(msg);
            msg = nullptr;
        }
    }
    gst_object_unref(bus);
    return msg;
}

GstMessage *CapturePipeline::wait_message(GstMessageType types, GstClockTime timeout) {
    GstBus *bus = gst_element_get_bus(pipeline_);
    GstMessage *message = gst_bus_timed_pop_filtered(bus, timeout, types);
    gst_object_unref(bus);
    return message;
}

GstClockTime CapturePipeline::running_time() const {
    return gst_element_get_current_running_time(pipeline_);
}

std::string CapturePipeline::source_string(const char *property) const {
    gchar *value = nullptr;
    g_object_get(source_, property, &value, nullptr);
    std::string text = value ? value : "";
    g_free(value);
    return text;
}

std::string compare_frame(GstBuffer *buffer, const std::vector<uint8_t> &expected, unsigned width,
                          unsigned height, unsigned bytes_per_pixel) {
    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    if (meta == nullptr)
        return "buffer has no GstVideoMeta";
    if (meta->width != width || meta->height != height)
        return "frame is " + std::to_string(meta->width) + "x" + std::to_string(meta->height);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ))
        return "cannot map buffer";
    std::string result;
    const std::size_t row_bytes = std::size_t(width) * bytes_per_pixel;
    for (unsigned y = 0; y < height && result.empty(); ++y) {
        const uint8_t *got = map.data + meta->offset[0] + std::size_t(y) * meta->stride[0];
        const uint8_t *want = &expected[y * row_bytes];
        if (std::memcmp(got, want, row_bytes) != 0) {
            std::size_t i = 0;
            while (got[i] == want[i])
                ++i;
            result = "first difference at x=" + std::to_string(i / bytes_per_pixel) +
                     " y=" + std::to_string(y);
        }
    }
    gst_buffer_unmap(buffer, &map);
    return result;
}

const void *buffer_address(GstBuffer *buffer) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ))
        return nullptr;
    const void *address = map.data;
    gst_buffer_unmap(buffer, &map);
    return address;
}

} // namespace xshm_test
