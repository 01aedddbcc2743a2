// SPDX-License-Identifier: LGPL-2.1-or-later
// The GStreamer pipeline xshm-record runs, built element by element (never
// from a launch string glued from user input):
//   xshmsrc ! caps ! queue ! videoconvert ! caps ! encoder [! parser] ! muxer ! filesink
//   pulsesrc ! queue ! audioconvert ! audioresample ! audio encoder ! muxer   (--audio)
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <gst/gst.h>

#include "capture_target.h"
#include "encoder_choice.h"
#include "output_format.h"
#include "recorder_options.h"

namespace xshm_record {

// "the GStreamer element 'x' is not installed (where it comes from on Debian)".
std::string missing_element_text(const std::string &factory);

class RecordingPipeline {
public:
    // Throws std::runtime_error naming an element that is not installed.
    RecordingPipeline(const RecorderOptions &options, const OutputFormat &format,
                      const EncoderPlan &encoder, const CaptureTarget &target);
    ~RecordingPipeline();
    RecordingPipeline(const RecordingPipeline &) = delete;
    RecordingPipeline &operator=(const RecordingPipeline &) = delete;

    GstElement *pipeline() const { return pipeline_; }
    GstElement *source() const { return source_; }

    // Counted as frames pass (streaming threads), read by the main loop.
    uint64_t frames_written() const { return frames_written_; }
    uint64_t frames_dropped() const { return frames_dropped_; }
    bool has_written() const { return frames_written_ > 0; }

private:
    GstElement *make(const char *factory, const char *name = nullptr);
    void build_video(const RecorderOptions &options, const EncoderPlan &encoder,
                     const CaptureTarget &target, GstElement *muxer);
    void build_audio(const RecorderOptions &options, const OutputFormat &format, GstElement *muxer);
    GstElement *build_muxer(const OutputFormat &format, const RecorderOptions &options);
    void link_chain(std::initializer_list<GstElement *> chain);
    static GstPadProbeReturn on_source_buffer(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn on_encoder_buffer(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn on_muxed_buffer(GstPad *, GstPadProbeInfo *, gpointer self);

    GstElement *pipeline_ = nullptr;
    GstElement *source_ = nullptr; // owned by the pipeline
    GstClockTime keyint_ = GST_SECOND * 2;

    // Streaming threads only.
    uint64_t last_offset_ = UINT64_MAX; // the source's frame numbers: gaps are drops
    GstClockTime next_keyframe_ = 0;    // running time the next forced keyframe is due
    std::atomic<uint64_t> frames_written_{0}, frames_dropped_{0};
};

} // namespace xshm_record
