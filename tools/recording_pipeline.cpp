// SPDX-License-Identifier: LGPL-2.1-or-later
#include "recording_pipeline.h"

#include <stdexcept>

#include <gst/video/video.h>

namespace xshm_record {
namespace {

// GetImage frames queued before the encoder at most: as many as xshmsrc's
// shared-memory slots would allow.
const guint kGetImageQueue = xshm::GrabberOptions().max_slots;

// Where a missing element comes from, on Debian.
std::string package_of(const std::string &factory) {
    if (factory == "xshmsrc")
        return "the xshm plugin: install its package gstreamer1.0-xshm, made by "
               "scripts/build-deb.sh, "
               "or set GST_PLUGIN_PATH to its build directory";
    if (factory == "x264enc")
        return "Debian package gstreamer1.0-plugins-ugly";
    if (factory.rfind("avenc_", 0) == 0)
        return "Debian package gstreamer1.0-libav";
    if (factory == "h264parse" || factory.rfind("va", 0) == 0 || factory.rfind("nv", 0) == 0)
        return "Debian package gstreamer1.0-plugins-bad";
    if (factory == "pulsesrc" || factory.find("mux") != std::string::npos ||
        factory.rfind("vp", 0) == 0)
        return "Debian package gstreamer1.0-plugins-good";
    return "Debian package gstreamer1.0-plugins-base";
}

} // namespace

std::string missing_element_text(const std::string &factory) {
    return "the GStreamer element '" + factory + "' is not installed (" + package_of(factory) + ")";
}

namespace {

void set_text(GstElement *element, const std::string &property, const std::string &value) {
    gst_util_set_object_arg(G_OBJECT(element), property.c_str(), value.c_str());
}

// The rate, and the encoder's format when xshmsrc makes it itself.
GstCaps *video_caps(const RecorderOptions &o, const std::string &format) {
    GstCaps *caps =
        gst_caps_new_simple("video/x-raw", o.constant_rate ? "framerate" : "max-framerate",
                            GST_TYPE_FRACTION, gint(o.fps), 1, nullptr);
    if (!format.empty())
        gst_caps_set_simple(caps, "format", G_TYPE_STRING, format.c_str(), nullptr);
    return caps;
}

} // namespace

RecordingPipeline::RecordingPipeline(const RecorderOptions &options, const OutputFormat &format,
                                     const EncoderPlan &encoder, const CaptureTarget &target)
    : keyint_(GstClockTime(options.keyint * GST_SECOND)) {
    pipeline_ = gst_pipeline_new("xshm-record");
    try {
        GstElement *muxer = build_muxer(format, options);
        build_video(options, encoder, target, muxer);
        if (format.audio)
            build_audio(options, format, muxer);
    } catch (...) {
        gst_object_unref(pipeline_);
        throw;
    }
}

RecordingPipeline::~RecordingPipeline() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
}

GstElement *RecordingPipeline::make(const char *factory, const char *name) {
    GstElement *element = gst_element_factory_make(factory, name);
    if (element == nullptr)
        throw std::runtime_error(missing_element_text(factory));
    gst_bin_add(GST_BIN(pipeline_), element);
    return element;
}

void RecordingPipeline::link_chain(std::initializer_list<GstElement *> chain) {
    GstElement *previous = nullptr;
    for (GstElement *element : chain) {
        if (previous != nullptr && !gst_element_link(previous, element))
            throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(previous) +
                                     " to " + GST_ELEMENT_NAME(element));
        previous = element;
    }
}

GstElement *RecordingPipeline::build_muxer(const OutputFormat &format, const RecorderOptions &o) {
    GstElement *muxer = make(muxer_factory(format.container), "mux");
    if (format.container == Container::Mp4) {
        // Fragments while recording (a crash leaves a playable file), one
        // regular MP4 once stopped cleanly.
        g_object_set(muxer, "fragment-duration", guint(o.keyint * 1000), nullptr);
        set_text(muxer, "fragment-mode", "first-moov-then-finalise");
    }
    GstElement *sink = make("filesink", "file");
    // Written as it comes: a killed recorder leaves what was muxed.
    g_object_set(sink, "location", o.file.c_str(), "sync", FALSE, nullptr);
    set_text(sink, "buffer-mode", "unbuffered");
    link_chain({muxer, sink});
    return muxer;
}

void RecordingPipeline::build_video(const RecorderOptions &o, const EncoderPlan &plan,
                                    const CaptureTarget &target, GstElement *muxer) {
    source_ = make("xshmsrc", "capture");
    const xshm::GrabberOptions &g = target.grabber;
    if (!g.display_name.empty())
        g_object_set(source_, "display-name", g.display_name.c_str(), nullptr);
    if (!g.monitor.empty())
        g_object_set(source_, "monitor", g.monitor.c_str(), nullptr);
    if (g.xid != 0)
        g_object_set(source_, "xid", guint64(g.xid), nullptr);
    if (!g.xname.empty())
        g_object_set(source_, "xname", g.xname.c_str(), nullptr);
    g_object_set(source_, "startx", g.region.startx, "starty", g.region.starty, "endx",
                 g.region.endx, "endy", g.region.endy, "show-pointer", gboolean(o.pointer),
                 "skip-unchanged", gboolean(!o.constant_rate), nullptr);
    // A still stretch still gets a frame (made a keyframe below) every keyint.
    if (!o.constant_rate)
        g_object_set(source_, "keepalive-time", guint(o.keyint * 1000), nullptr);

    // xshmsrc converts itself (only the rows that changed) where it can;
    // videoconvert does the rest (GetImage, 16-bit screens, ffv1's BGRx passes).
    const bool in_source = target.converts && plan.input_format != "BGRx";
    GstElement *rate = make("capsfilter", "rate");
    GstCaps *caps = video_caps(o, in_source ? plan.input_format : "");
    g_object_set(rate, "caps", caps, nullptr);
    gst_caps_unref(caps);
    // With shared memory the queue is bounded by xshmsrc's max-slots (a frame
    // holds its slot); GetImage frames are allocated each time: bound them here.
    GstElement *queue = make("queue", "video-queue");
    g_object_set(queue, "max-size-buffers", target.shared_memory ? 0u : kGetImageQueue,
                 "max-size-bytes", 0u, "max-size-time", guint64(0), nullptr);
    GstElement *encoder = make(plan.factory.c_str(), "encoder");
    for (const auto &property : plan.properties)
        set_text(encoder, property.first, property.second);
    GstElement *last = plan.parser.empty() ? encoder : make(plan.parser.c_str(), "parser");
    if (last != encoder)
        link_chain({encoder, last});
    if (in_source) {
        link_chain({source_, rate, queue, encoder});
    } else {
        GstElement *format = make("capsfilter", "encoder-format");
        caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                                   plan.input_format.c_str(), nullptr);
        g_object_set(format, "caps", caps, nullptr);
        gst_caps_unref(caps);
        link_chain({source_, rate, queue, make("videoconvert", "convert"), format, encoder});
    }
    link_chain({last, muxer});

    auto probe = [this](GstElement *element, const char *pad_name, GstPadProbeCallback callback) {
        GstPad *pad = gst_element_get_static_pad(element, pad_name);
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, callback, this, nullptr);
        gst_object_unref(pad);
    };
    if (o.constant_rate)
        probe(source_, "src", on_source_buffer);
    probe(encoder, "sink", on_encoder_buffer);
    probe(last, "src", on_muxed_buffer);
}

void RecordingPipeline::build_audio(const RecorderOptions &o, const OutputFormat &format,
                                    GstElement *muxer) {
    GstElement *source = make("pulsesrc", "audio");
    g_object_set(source, "client-name", "xshm-record", nullptr);
    if (!o.audio_device.empty())
        g_object_set(source, "device", o.audio_device.c_str(), nullptr);
    // The muxer waits for video between changes (a keyframe every keyint at least).
    GstElement *queue = make("queue", "audio-queue");
    g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time",
                 guint64(10 * GST_SECOND), nullptr);
    link_chain({source, queue, make("audioconvert"), make("audioresample"),
                make(audio_encoder_factory(format.container), "audio-encoder"), muxer});
}

// In constant rate, a jump in the source's frame numbers is frames not captured.
GstPadProbeReturn RecordingPipeline::on_source_buffer(GstPad *, GstPadProbeInfo *info,
                                                      gpointer data) {
    auto *self = static_cast<RecordingPipeline *>(data);
    const guint64 offset = GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info));
    if (self->last_offset_ != UINT64_MAX && offset > self->last_offset_ + 1)
        self->frames_dropped_ += offset - self->last_offset_ - 1;
    self->last_offset_ = offset;
    return GST_PAD_PROBE_OK;
}

// A keyframe at least every keyint of recording time, whatever the frame rate:
// asks the encoder for one when a frame comes that late.
GstPadProbeReturn RecordingPipeline::on_encoder_buffer(GstPad *pad, GstPadProbeInfo *info,
                                                       gpointer data) {
    auto *self = static_cast<RecordingPipeline *>(data);
    const GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
    if (GST_CLOCK_TIME_IS_VALID(pts) && pts >= self->next_keyframe_) {
        self->next_keyframe_ = pts + self->keyint_;
        gst_pad_send_event(pad, gst_video_event_new_downstream_force_key_unit(
                                    pts, GST_CLOCK_TIME_NONE, pts, TRUE, 0));
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn RecordingPipeline::on_muxed_buffer(GstPad *, GstPadProbeInfo *, gpointer data) {
    ++static_cast<RecordingPipeline *>(data)->frames_written_;
    return GST_PAD_PROBE_OK;
}

} // namespace xshm_record
