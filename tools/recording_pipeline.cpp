// SPDX-License-Identifier: LGPL-2.1-or-later
#include "recording_pipeline.h"

#include "mp4_header.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

#include <gst/video/video.h>

namespace xshm_record {
namespace {

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
    if (factory == "pulsesrc" || factory == "videocrop" ||
        factory.find("mux") != std::string::npos || factory.rfind("vp", 0) == 0)
        return "Debian package gstreamer1.0-plugins-good";
    return "Debian package gstreamer1.0-plugins-base";
}

} // namespace

std::string missing_element_text(const std::string &factory) {
    return "the GStreamer element '" + factory + "' is not installed (" + package_of(factory) + ")";
}

namespace {

// Whether `buffer` begins an MP4 box of `type`.
bool starts_box(GstBuffer *buffer, const char *type) {
    char head[8];
    return gst_buffer_extract(buffer, 0, head, sizeof head) == sizeof head &&
           std::memcmp(head + 4, type, 4) == 0;
}

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
                                     const EncoderPlan &encoder, SourceElement &source,
                                     const std::string &location)
    : keyframe_advance_(std::max(GstClockTimeDiff(options.keyint * GST_SECOND) -
                                     GstClockTimeDiff(GST_SECOND / options.fps),
                                 GstClockTimeDiff(0))),
      capture_(source), location_(location), fragmented_mp4_(format.container == Container::Mp4) {
    pipeline_ = gst_pipeline_new("xshm-record");
    // The system clock, not pulsesrc's: file time is wall time, as -t and the
    // screen's changes count it (an audio clock starts late and runs apart).
    GstClock *clock = gst_system_clock_obtain();
    gst_pipeline_use_clock(GST_PIPELINE(pipeline_), clock);
    gst_object_unref(clock);
    try {
        GstElement *muxer = build_muxer(format, options, location);
        // With audio the muxer waits for both streams: encoded frames wait in
        // a queue of their own, not in the encoder holding the source's slots.
        build_video(options, encoder, source.target(), muxer, format.audio);
        if (format.audio)
            build_audio(options, format, muxer);
    } catch (...) {
        if (source_pad_ != nullptr)
            gst_object_unref(source_pad_);
        gst_object_unref(pipeline_);
        throw;
    }
}

GstStateChangeReturn RecordingPipeline::start() {
    // The source's state is locked: the pipeline does not stop and start it
    // again, and its NO_PREROLL tells the pipeline that it is live.
    if (gst_element_set_state(pipeline_, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
        return GST_STATE_CHANGE_FAILURE;
    capture_.release();
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

RecordingPipeline::~RecordingPipeline() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (source_pad_ != nullptr)
        gst_object_unref(source_pad_);
    if (header_fd_ >= 0)
        close(header_fd_);
    gst_object_unref(pipeline_);
}

double RecordingPipeline::file_seconds(bool last_write_failed) const {
    const GstClockTime start = file_start_, end = last_write_failed ? written_end_ : sent_end_;
    return GST_CLOCK_TIME_IS_VALID(start) && end > start ? double(end - start) / GST_SECOND : 0;
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

GstElement *RecordingPipeline::build_muxer(const OutputFormat &format, const RecorderOptions &o,
                                           const std::string &location) {
    GstElement *muxer = make(muxer_factory(format.container), "mux");
    if (format.container == Container::Mp4) {
        // Fragments while recording (a crash leaves a playable file), one
        // regular MP4 once stopped cleanly.
        g_object_set(muxer, "fragment-duration", guint(o.keyint * 1000), nullptr);
        set_text(muxer, "fragment-mode", "first-moov-then-finalise");
    }
    GstElement *sink = make("filesink", "file");
    // Written as it comes: a killed recorder leaves what was muxed.
    g_object_set(sink, "location", location.c_str(), "sync", FALSE, nullptr);
    set_text(sink, "buffer-mode", "unbuffered");
    link_chain({muxer, sink});
    probe(sink, "sink", GST_PAD_PROBE_TYPE_BUFFER, on_file_buffer);
    return muxer;
}

void RecordingPipeline::build_video(const RecorderOptions &o, const EncoderPlan &plan,
                                    const CaptureTarget &target, GstElement *muxer,
                                    bool queue_encoded) {
    source_ = capture_.element();
    gst_bin_add(GST_BIN(pipeline_), source_);
    source_pad_ = gst_element_get_static_pad(source_, "src");

    // xshmsrc converts itself (only the rows that changed) where it can;
    // videoconvert does the rest (GetImage, 16-bit screens, ffv1's BGRx passes).
    const bool in_source = target.converts && plan.input_format != "BGRx";
    GstElement *rate = make("capsfilter", "rate");
    GstCaps *caps = video_caps(o, in_source ? plan.input_format : "");
    g_object_set(rate, "caps", caps, nullptr);
    gst_caps_unref(caps);
    // With shared memory the queue is bounded by xshmsrc's max-slots (a frame
    // holds its slot); GetImage frames are allocated each time: bound them
    // here, to as many.
    guint slots = 0;
    g_object_get(source_, "max-slots", &slots, nullptr);
    GstElement *queue = make("queue", "video-queue");
    g_object_set(queue, "max-size-buffers", target.shared_memory ? 0u : slots, "max-size-bytes", 0u,
                 "max-size-time", guint64(0), nullptr);
    GstElement *encoder = make(plan.factory.c_str(), "encoder");
    for (const auto &property : plan.properties)
        set_text(encoder, property.first, property.second);
    GstElement *fit = build_crop(target, build_fit(target, encoder));
    if (in_source) {
        link_chain({source_, rate, queue, fit});
    } else {
        GstElement *format = make("capsfilter", "encoder-format");
        caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                                   plan.input_format.c_str(), nullptr);
        g_object_set(format, "caps", caps, nullptr);
        gst_caps_unref(caps);
        link_chain({source_, rate, queue, make("videoconvert", "convert"), format, fit});
    }
    GstElement *last = plan.parser.empty() ? encoder : make(plan.parser.c_str(), "parser");
    if (last != encoder)
        link_chain({encoder, last});
    if (queue_encoded) {
        GstElement *encoded = make("queue", "encoded-queue");
        g_object_set(encoded, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time",
                     guint64(10 * GST_SECOND), nullptr);
        link_chain({last, encoded});
        last = encoded;
    }
    link_chain({last, muxer});
    if (fragmented_mp4_) {
        // Frames come on a grid of 1/fps s: a track timescale that counts it
        // exactly (mp4mux's own is 10000), so readers see the rate.
        GstPad *src = gst_element_get_static_pad(last, "src");
        GstPad *track = gst_pad_get_peer(src);
        g_object_set(track, "trak-timescale", guint(o.fps * 1000), nullptr);
        gst_object_unref(track);
        gst_object_unref(src);
    }

    if (o.constant_rate)
        probe(source_, "src", GST_PAD_PROBE_TYPE_BUFFER, on_source_buffer);
    probe(source_, "src", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_source_caps);
    screen_width_ = target.source_width; // what the file's size was chosen from
    screen_height_ = target.source_height;
    probe(encoder, "src", GST_PAD_PROBE_TYPE_BUFFER, on_encoded_buffer);
}

// 4:2:0 needs even sizes: videocrop leaves out the odd last column or row of
// xshmsrc's frames (started before its size was known, xshmsrc cannot be
// asked for less). Returns what frames go into: the videocrop before `fit`,
// or `fit`.
GstElement *RecordingPipeline::build_crop(const CaptureTarget &target, GstElement *fit) {
    if (target.width == target.source_width && target.height == target.source_height)
        return fit;
    GstElement *crop = make("videocrop", "crop");
    g_object_set(crop, "right", gint(target.source_width - target.width), "bottom",
                 gint(target.source_height - target.height), nullptr);
    link_chain({crop, fit});
    return crop;
}

// videoscale ! video/x-raw,width=W,height=H,pixel-aspect-ratio=1/1 ! encoder:
// the file's size, whatever the screen's becomes (black borders keep the
// aspect). Returns the videoscale.
GstElement *RecordingPipeline::build_fit(const CaptureTarget &target, GstElement *encoder) {
    GstElement *scale = make("videoscale", "fit");
    g_object_set(scale, "add-borders", TRUE, nullptr);
    GstElement *size = make("capsfilter", "fit-size");
    GstCaps *caps = gst_caps_new_simple("video/x-raw", "width", G_TYPE_INT, gint(target.file_width),
                                        "height", G_TYPE_INT, gint(target.file_height),
                                        "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
    g_object_set(size, "caps", caps, nullptr);
    gst_caps_unref(caps);
    link_chain({scale, size, encoder});
    return scale;
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

// The first frame starts file time (-t counts from it): the main loop is told.
// A keyframe at least every keyint of file time, still stretches included.
// After each keyframe xshmsrc is asked for a key unit one keyint later: it
// pushes a frame then (the last one again on a still screen) with the
// encoder's force-key-unit event. It pushes at its first frame time at or
// after the asked time, so it is asked one frame time early.
GstPadProbeReturn RecordingPipeline::on_encoded_buffer(GstPad *pad, GstPadProbeInfo *info,
                                                       gpointer data) {
    auto *self = static_cast<RecordingPipeline *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    const bool first = self->frames_written_++ == 0;
    const bool key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (!(first || key) || !GST_BUFFER_PTS_IS_VALID(buffer))
        return GST_PAD_PROBE_OK;
    // The encoder's own segment may be shifted: compare running times.
    GstEvent *event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (event == nullptr)
        return GST_PAD_PROBE_OK;
    const GstSegment *segment = nullptr;
    gst_event_parse_segment(event, &segment);
    const GstClockTime time =
        gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
    gst_event_unref(event);
    if (!GST_CLOCK_TIME_IS_VALID(time))
        return GST_PAD_PROBE_OK;
    if (first)
        self->post(
            gst_structure_new(kFirstFrame, "running-time", G_TYPE_UINT64, guint64(time), nullptr));
    if (key)
        gst_pad_send_event(self->source_pad_, gst_video_event_new_upstream_force_key_unit(
                                                  time + self->keyframe_advance_, TRUE, 0));
    return GST_PAD_PROBE_OK;
}

// Tells the main loop when the screen's size is not the file's (and when it is again).
GstPadProbeReturn RecordingPipeline::on_source_caps(GstPad *, GstPadProbeInfo *info,
                                                    gpointer data) {
    auto *self = static_cast<RecordingPipeline *>(data);
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
        return GST_PAD_PROBE_OK;
    GstCaps *caps = nullptr;
    gst_event_parse_caps(event, &caps);
    gint width = 0, height = 0;
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    if (!gst_structure_get_int(s, "width", &width) || !gst_structure_get_int(s, "height", &height))
        return GST_PAD_PROBE_OK;
    const bool first = self->screen_width_ == 0;
    if (!first &&
        (unsigned(width) != self->screen_width_ || unsigned(height) != self->screen_height_))
        self->post(gst_structure_new(kResized, "width", G_TYPE_INT, width, "height", G_TYPE_INT,
                                     height, nullptr));
    self->screen_width_ = unsigned(width);
    self->screen_height_ = unsigned(height);
    return GST_PAD_PROBE_OK;
}

// filesink writes each buffer before it takes the next (unbuffered, in the
// muxer's thread): when one comes, the one before it is on disk.
GstPadProbeReturn RecordingPipeline::on_file_buffer(GstPad *, GstPadProbeInfo *info,
                                                    gpointer data) {
    auto *self = static_cast<RecordingPipeline *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    const uint64_t buffers = self->file_buffers_++;
    // Opened before the first write, by the name filesink created (a
    // replacement is renamed once the file has bytes).
    if (buffers == 0 && self->fragmented_mp4_)
        self->header_fd_ = open(self->location_.c_str(), O_RDWR | O_CLOEXEC);
    if (buffers == 1)
        self->post(gst_structure_new_empty(kFileStarted));
    self->written_end_ = self->sent_end_.load();
    // A new fragment: what is on disk so far is what the header says. Here,
    // in the thread filesink writes from, nothing else writes meanwhile.
    if (self->header_fd_ >= 0 && starts_box(buffer, "moof"))
        set_mp4_durations(self->header_fd_, self->file_seconds(true));
    // The file's time runs from its first frame: matroskamux stamps its headers 0.
    if (!GST_BUFFER_PTS_IS_VALID(buffer) || GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER))
        return GST_PAD_PROBE_OK;
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (!GST_CLOCK_TIME_IS_VALID(self->file_start_))
        self->file_start_ = pts;
    const GstClockTime end =
        pts + (GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0);
    if (end > self->sent_end_)
        self->sent_end_ = end;
    return GST_PAD_PROBE_OK;
}

void RecordingPipeline::post(GstStructure *message) {
    gst_element_post_message(pipeline_,
                             gst_message_new_application(GST_OBJECT(pipeline_), message));
}

void RecordingPipeline::probe(GstElement *element, const char *pad_name, GstPadProbeType type,
                              GstPadProbeCallback callback) {
    GstPad *pad = gst_element_get_static_pad(element, pad_name);
    gst_pad_add_probe(pad, type, callback, this, nullptr);
    gst_object_unref(pad);
}

} // namespace xshm_record
