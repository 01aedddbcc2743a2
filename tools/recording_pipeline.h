// SPDX-License-Identifier: LGPL-2.1-or-later
// The GStreamer pipeline xshm-record runs, built element by element (never
// from a launch string glued from user input):
//   xshmsrc ! caps ! queue [! videoconvert ! caps] [! videocrop] ! videoscale ! size caps
//     ! encoder [! parser] [! queue] ! muxer ! filesink
//   pulsesrc ! queue ! audioconvert ! audioresample ! audio encoder ! muxer   (--audio)
// videoscale passes frames through untouched while the screen keeps the size
// the file started with; after a resolution change it fits the new screen into
// the file's size with black borders, so the file never changes size.
// xshmsrc is the one already started (source_element.h), not made here.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <gst/gst.h>

#include "capture_target.h"
#include "encoder_choice.h"
#include "output_format.h"
#include "recorder_options.h"
#include "source_element.h"

namespace xshm_record {

// "the GStreamer element 'x' is not installed (where it comes from on Debian)".
std::string missing_element_text(const std::string &factory);

class RecordingPipeline {
public:
    // Records from `source`, which joins the pipeline, to `location`.
    // Throws std::runtime_error naming an element that is not installed.
    RecordingPipeline(const RecorderOptions &options, const OutputFormat &format,
                      const EncoderPlan &encoder, SourceElement &source,
                      const std::string &location);
    ~RecordingPipeline();
    RecordingPipeline(const RecordingPipeline &) = delete;
    RecordingPipeline &operator=(const RecordingPipeline &) = delete;

    GstElement *pipeline() const { return pipeline_; }
    GstElement *source() const { return source_; }

    // To PLAYING: the rest goes to PAUSED around the source (already PAUSED,
    // live), then the source is let go and all play. FAILURE when an element
    // did not start (its error is on the bus).
    GstStateChangeReturn start();

    // Counted as frames pass (streaming threads), read by the main loop.
    uint64_t frames_written() const { return frames_written_; }
    uint64_t frames_dropped() const { return frames_dropped_; }
    bool has_written() const { return frames_written_ > 0; }
    // Seconds of media in the file: up to the end of the last buffer written,
    // or the one before it when the last write failed (the disk filled).
    double file_seconds(bool last_write_failed) const;

    // Application messages the streaming threads post on the bus, for the main loop.
    static constexpr const char *kFirstFrame = "xshm-record-first-frame";   // running-time
    static constexpr const char *kFileStarted = "xshm-record-file-started"; // first bytes
    static constexpr const char *kResized = "xshm-record-resized"; // width, height: the screen's

private:
    GstElement *make(const char *factory, const char *name = nullptr);
    void build_video(const RecorderOptions &options, const EncoderPlan &encoder,
                     const CaptureTarget &target, GstElement *muxer, bool queue_encoded);
    GstElement *build_fit(const CaptureTarget &target, GstElement *encoder);
    GstElement *build_crop(const CaptureTarget &target, GstElement *fit);
    void build_audio(const RecorderOptions &options, const OutputFormat &format, GstElement *muxer);
    GstElement *build_muxer(const OutputFormat &format, const RecorderOptions &options,
                            const std::string &location);
    void link_chain(std::initializer_list<GstElement *> chain);
    void probe(GstElement *element, const char *pad, GstPadProbeType type,
               GstPadProbeCallback callback);
    static GstPadProbeReturn on_source_buffer(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn on_source_caps(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn on_encoded_buffer(GstPad *, GstPadProbeInfo *, gpointer self);
    static GstPadProbeReturn on_file_buffer(GstPad *, GstPadProbeInfo *, gpointer self);
    void post(GstStructure *message);

    GstElement *pipeline_ = nullptr;
    GstElement *source_ = nullptr;      // capture_'s, in the pipeline
    GstPad *source_pad_ = nullptr;      // owned: where keyframe requests go
    GstClockTime keyframe_advance_ = 0; // keyint less one frame time: see on_encoded_buffer
    SourceElement &capture_;            // released once the pipeline is PAUSED
    const std::string location_;        // the file written
    const bool fragmented_mp4_;         // its header's durations are kept up to date
    int header_fd_ = -1;                // the MP4 being written, for that (muxer's thread)

    // Streaming threads only.
    uint64_t last_offset_ = UINT64_MAX;             // the source's frame numbers: gaps are drops
    unsigned screen_width_ = 0, screen_height_ = 0; // the size the source last said
    // Read by the main loop.
    std::atomic<uint64_t> frames_written_{0}, frames_dropped_{0};
    std::atomic<uint64_t> file_buffers_{0};
    std::atomic<GstClockTime> file_start_{GST_CLOCK_TIME_NONE}; // the first buffer's time
    std::atomic<GstClockTime> written_end_{0}; // the end of all buffers but the last
    std::atomic<GstClockTime> sent_end_{0};    // the end of the last buffer given to filesink
};

} // namespace xshm_record
