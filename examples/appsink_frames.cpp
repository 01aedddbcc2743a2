// SPDX-License-Identifier: LGPL-2.1-or-later
// Embeds xshmsrc in an application: pulls frames from appsink and reads the
// pixels in place (the X server wrote them into the very memory mapped here),
// then shows each shared-memory slot going back to the pool once released.
//
//   xshm-appsink [--display :1] [FRAMES]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

static std::string bus_error(GstElement *pipeline) {
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (msg == nullptr)
        return "unknown error";
    GError *error = nullptr;
    gst_message_parse_error(msg, &error, nullptr);
    std::string text = error->message;
    g_error_free(error);
    gst_message_unref(msg);
    return text;
}

int main(int argc, char **argv) {
    gst_init(&argc, &argv);
    std::string display;
    int frames = 10;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--display") == 0 && i + 1 < argc)
            display = argv[++i];
        else
            frames = std::atoi(argv[i]);
    }

    GstElementFactory *factory = gst_element_factory_find("xshmsrc");
    if (factory == nullptr) {
        std::fprintf(stderr, "xshmsrc not found: build it or set GST_PLUGIN_PATH "
                             "(e.g. GST_PLUGIN_PATH=build/gst), or install the package\n");
        return 1;
    }
    gst_object_unref(factory);

    std::string description = "xshmsrc name=src";
    if (!display.empty())
        description += " display-name=" + display;
    description += " ! video/x-raw,framerate=30/1 ! appsink name=sink max-buffers=1";
    GError *error = nullptr;
    // A missing element leaves a partial pipeline *and* an error: both checked.
    GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
    if (error != nullptr) {
        std::fprintf(stderr, "cannot build the pipeline: %s\n", error->message);
        g_error_free(error);
        if (pipeline != nullptr)
            gst_object_unref(pipeline);
        return 1;
    }
    GstAppSink *sink = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(pipeline), "sink"));
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::fprintf(stderr, "cannot start capturing: %s\n", bus_error(pipeline).c_str());
        return 1;
    }

    std::map<const void *, int> slots; // slot address -> first frame that used it
    int status = 0;
    for (int n = 0; n < frames; ++n) {
        GstSample *sample = gst_app_sink_pull_sample(sink);
        if (sample == nullptr) {
            std::fprintf(stderr, "capture stopped: %s\n", bus_error(pipeline).c_str());
            status = 1;
            break;
        }
        GstVideoInfo info;
        gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
        GstBuffer *buffer = gst_sample_get_buffer(sample);
        const bool shared = gst_memory_is_type(gst_buffer_peek_memory(buffer, 0), "XShmFrame");

        // Mapping is no copy: the data pointer is the slot the server wrote into.
        GstVideoFrame frame;
        if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) {
            std::fprintf(stderr, "cannot map frame %d\n", n);
            status = 1;
            gst_sample_unref(sample);
            break;
        }
        const auto *pixels = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
        const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
        const int row_bytes =
            GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0) * GST_VIDEO_FRAME_WIDTH(&frame);
        uint32_t checksum = 0;
        for (int y = 0; y < GST_VIDEO_FRAME_HEIGHT(&frame); ++y)
            for (int x = 0; x < row_bytes; ++x)
                checksum = checksum * 31 + pixels[y * stride + x];

        auto [it, fresh] = slots.emplace(pixels, n);
        std::printf(
            "frame %2d  %dx%d %s  pts %" GST_TIME_FORMAT "  data %p%s  checksum %08x  %s\n", n,
            GST_VIDEO_FRAME_WIDTH(&frame), GST_VIDEO_FRAME_HEIGHT(&frame),
            GST_VIDEO_INFO_NAME(&info), GST_TIME_ARGS(GST_BUFFER_PTS(buffer)), pixels,
            shared ? " (XShmFrame)" : "", checksum,
            fresh ? "new slot"
                  : ("slot reused, first used by frame " + std::to_string(it->second)).c_str());
        gst_video_frame_unmap(&frame);
        gst_sample_unref(sample); // last reference: the slot goes back to the pool
    }
    std::printf("%d frames used %zu slots\n", frames, slots.size());

    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return status;
}
