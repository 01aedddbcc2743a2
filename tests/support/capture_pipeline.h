// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc ! capsfilter [! filters] ! appsink, with the few things tests ask of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

namespace xshm_test {

class CapturePipeline {
public:
    // `source_props` e.g. "display-name=:5 startx=10" (show-pointer=false unless
    // given); `caps` e.g. "framerate=30/1"; `filters` elements before the sink,
    // e.g. "x264enc name=enc".
    CapturePipeline(const std::string &source_props, const std::string &caps = "framerate=30/1",
                    unsigned appsink_max_buffers = 2, const std::string &filters = "");
    ~CapturePipeline();

    GstElement *pipeline() const { return pipeline_; }
    GstElement *source() const { return source_; }
    GstAppSink *sink() const { return sink_; }

    GstStateChangeReturn play();
    void stop();
    // Next buffer (transfer full), or null after `timeout`.
    GstBuffer *pull(GstClockTime timeout = 10 * GST_SECOND);
    // Keeps taking frames (so the source keeps running) until the bus carries
    // EOS or an error, for up to five seconds; notes whether a warning came.
    GstMessage *drain_until_end(bool *warned = nullptr);
    // The next message of `types` within `timeout` (transfer full), or null.
    GstMessage *wait_message(GstMessageType types, GstClockTime timeout);
    std::string source_string(const char *property) const;
    // The pipeline's running time now: what buffer timestamps are measured in.
    GstClockTime running_time() const;

private:
    GstElement *pipeline_ = nullptr;
    GstElement *source_ = nullptr;
    GstAppSink *sink_ = nullptr;
};

// Compares the buffer's frame (rows at the GstVideoMeta stride) with packed
// rows `expected`; returns "" when equal, else where the first difference is.
std::string compare_frame(GstBuffer *buffer, const std::vector<uint8_t> &expected, unsigned width,
                          unsigned height, unsigned bytes_per_pixel);

// The data pointer of the buffer's first memory (the SHM slot's address).
const void *buffer_address(GstBuffer *buffer);

} // namespace xshm_test
