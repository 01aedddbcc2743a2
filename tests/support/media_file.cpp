// SPDX-License-Identifier: LGPL-2.1-or-later
#include "media_file.h"

#include <algorithm>
#include <cstdlib>

#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

namespace xshm_test {
namespace {

uint32_t middle_colour(GstSample *sample) {
    GstVideoInfo info;
    gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ))
        return 0;
    const unsigned w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
    const unsigned x0 = w / 2 - 8, y0 = h / 2 - 8;
    unsigned sum[3] = {0, 0, 0};
    for (unsigned y = y0; y < y0 + 16; ++y) {
        const auto *row = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
                          y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        for (unsigned x = x0; x < x0 + 16; ++x)
            for (int c = 0; c < 3; ++c)
                sum[c] += row[x * 4 + c]; // BGRx
    }
    gst_video_frame_unmap(&frame);
    return (sum[2] / 256) << 16 | (sum[1] / 256) << 8 | (sum[0] / 256);
}

} // namespace

std::vector<DecodedFrame> decode_frames(const std::string &path) {
    gchar *uri = gst_filename_to_uri(path.c_str(), nullptr);
    const std::string description = std::string("uridecodebin uri=") + uri +
                                    " ! videoconvert ! video/x-raw,format=BGRx"
                                    " ! appsink name=sink sync=false";
    g_free(uri);
    std::vector<DecodedFrame> frames;
    GstElement *pipeline = gst_parse_launch(description.c_str(), nullptr);
    if (pipeline == nullptr)
        return frames;
    GstAppSink *sink = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(pipeline), "sink"));
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    while (GstSample *sample = gst_app_sink_try_pull_sample(sink, 10 * GST_SECOND)) {
        frames.push_back({GST_BUFFER_PTS(gst_sample_get_buffer(sample)), middle_colour(sample)});
        gst_sample_unref(sample);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    std::sort(frames.begin(), frames.end(),
              [](const DecodedFrame &a, const DecodedFrame &b) { return a.pts < b.pts; });
    return frames;
}

GstClockTime file_duration(const std::string &path) {
    GstDiscoverer *discoverer = gst_discoverer_new(10 * GST_SECOND, nullptr);
    if (discoverer == nullptr)
        return GST_CLOCK_TIME_NONE;
    gchar *uri = gst_filename_to_uri(path.c_str(), nullptr);
    GstDiscovererInfo *info = gst_discoverer_discover_uri(discoverer, uri, nullptr);
    g_free(uri);
    GstClockTime duration = GST_CLOCK_TIME_NONE;
    if (info != nullptr) {
        duration = gst_discoverer_info_get_duration(info);
        gst_discoverer_info_unref(info);
    }
    g_object_unref(discoverer);
    return duration;
}

bool colour_near(uint32_t a, uint32_t b, int tolerance) {
    for (int shift : {0, 8, 16})
        if (std::abs(int((a >> shift) & 0xff) - int((b >> shift) & 0xff)) > tolerance)
            return false;
    return true;
}

} // namespace xshm_test
