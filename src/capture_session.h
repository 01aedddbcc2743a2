// SPDX-License-Identifier: LGPL-2.1-or-later
// What a capturing stream does next, decided once per frame time by the thread
// that streams: capture what changed, repeat or skip a still screen, keep a
// still stream alive, give a frame requested for a key unit, close it with a
// last frame, follow a new screen layout, count what it cost. No GStreamer
// types: test_core drives it with its own clock, and xshmsrc's create() only
// waits, asks, stamps and pushes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "frame_converter.h"
#include "frame_memory.h"
#include "frame_pacer.h"
#include "frame_slots.h"
#include "grabber.h"
#include "session_stats.h"
#include "source_location.h"

namespace xshm {

// Off, as pipewiresrc: a still screen costs nothing downstream. Live mixes
// with audio, late-joining viewers and seeking want it on (e.g. 1000).
constexpr unsigned kDefaultKeepaliveMs = 0;

struct SessionOptions {
    GrabberOptions grabber;
    // Push nothing while the screen is still: a variable frame rate.
    bool skip_unchanged = false;
    // With skip_unchanged: push the last frame again after this long without
    // a frame (pipewiresrc's keepalive-time); 0 = never.
    unsigned keepalive_ms = kDefaultKeepaliveMs;
    // When the captured monitor disappears: end the stream instead of failing.
    bool eos_on_monitor_loss = false;
};

// The one list of the settings that may change while capturing (what
// CaptureSession::update() takes): copies them from `from` into `to`. The
// others hold for a session's life.
inline void copy_live_options(const SessionOptions &from, SessionOptions &to) {
    to.grabber.show_pointer = from.grabber.show_pointer;
    to.skip_unchanged = from.skip_unchanged;
    to.keepalive_ms = from.keepalive_ms;
    to.eos_on_monitor_loss = from.eos_on_monitor_loss;
}

// The frames as the server writes them, and how they are paced.
struct FrameFormat {
    std::string gst_format; // "BGRx", ...
    unsigned width = 0, height = 0;
    std::size_t stride = 0, size = 0;
    bool variable_rate = false; // frames only on change (caps framerate=0/1)
    bool converts = false;      // I420/NV12/Y444 can be made here (32-bit screen, SHM)
};

enum class FrameKind {
    Captured,  // new pixels
    Repeated,  // constant rate, nothing changed: the last frame again
    Keepalive, // variable rate, still for keepalive_ms: the last frame again
    Closing,   // the stream was stopped: the last frame again, at the stop time
    Requested, // variable rate, still at a requested time: the last frame again
};

// "A frame at running time `at`, to be made a key unit": GStreamer's upstream
// force-key-unit event in plain values (the element passes them on downstream).
struct FrameRequest {
    Nanos at = kNoTime; // kNoTime: at the next frame time
    bool all_headers = false;
    unsigned count = 0;
};

struct Frame {
    FrameKind kind = FrameKind::Captured;
    std::unique_ptr<FrameMemory> memory; // Captured only
    CaptureResult capture;               // Captured only
    std::size_t converted = 0;           // Captured only: BGRx bytes converted
    uint64_t number = 0;                 // frame number at the pacing rate
    Nanos timestamp = kNoTime;           // when the capture began (Closing: the stop)
    Nanos duration = kNoTime;            // unknown for variable-rate frames
    // The requests this frame answers, merged (the earliest time, any
    // all_headers, the highest count); empty when it answers none.
    std::optional<FrameRequest> answers;
};

enum class Outcome {
    Frame,       // push `frame`
    Nothing,     // still screen at a variable rate: wait for the next frame time
    Renegotiate, // `format()` changed (layout, skip_unchanged): new caps, no last frame
    Stalled,     // no free slot for a while (downstream holds them all); still waiting
    Interrupted, // interrupt() or request_close() woke a wait
    Ended,       // end of stream; `message` says why when it is worth a warning
    Failed,      // `message` is the error for the user, `detail` for the log
};

// What a failure is about, for the error the element posts.
enum class Failure { None, Open, Read, NotFound, NoSpace };

struct Step {
    Outcome outcome = Outcome::Nothing;
    Frame frame;
    Failure failure = Failure::None;
    std::string message;
    std::string detail;
    SourceLocation where;      // where it was decided (what the element's messages say)
    bool latency_grew = false; // a capture took longer than latency() said
};

class CaptureSession {
public:
    // Running time now, in ns (kNoTime without a clock).
    using Clock = std::function<Nanos()>;
    // After a wait this long for a free slot, next() says Stalled (once).
    static constexpr std::chrono::milliseconds kStallReport{500};

    // Opens the display and finds what to capture; throws Error naming what
    // was wrong. Captures twice to measure latency().
    CaptureSession(const SessionOptions &options, Clock clock);
    ~CaptureSession();
    CaptureSession(const CaptureSession &) = delete;
    CaptureSession &operator=(const CaptureSession &) = delete;

    // --- the streaming thread ---
    const FrameFormat &format() const { return format_; }
    const Grabber &grabber() const { return *grabber_; }
    // The negotiated frames: the screen's own format (the default), or one
    // converted here, in a pool of at most max-slots frames. Returns an error, or "".
    std::string set_output(OutputFormat output);
    OutputFormat output() const { return converter_ ? converter_->output() : OutputFormat::Native; }
    // The slots the pushed frames are written into: the screen's shared
    // memory, or the converted frames'; null on the GetImage path (frames are
    // the server's replies). Replaced with what is captured and the output.
    std::shared_ptr<SlotPool> frame_pool() const;
    // Who lends those slots, one frame at a time (xshmsrc: its GstBufferPool
    // over frame_pool()); until set, and after what frame_pool() is changes,
    // frame_pool() itself.
    void lend_frames_from(std::shared_ptr<FrameSlots> lender);
    // The negotiated pace: the frame rate, or the maximum rate when variable.
    void set_rate(unsigned numerator, unsigned denominator) {
        pacer_.set_rate(numerator, denominator);
    }
    Nanos frame_period() const { return pacer_.period(); }
    FramePacer::Tick schedule(Nanos now) const { return pacer_.next(now); }
    // Decides and does what frame `tick` is. Never throws.
    Step next(const FramePacer::Tick &tick);
    // Takes the settings of `options` that may change while capturing
    // (copy_live_options); returns a warning when one cannot be applied, else "".
    std::string update(const SessionOptions &options);
    // Downstream composes the pointer itself (an overlay), or not.
    void set_cursor_drawing(bool draw);
    Nanos latency() const { return latency_; }

    // --- any thread ---
    // Wakes a wait in next() (for a slot, or for the X server) with
    // Interrupted until resume() (flushing), and forgets the requests: their
    // times belong to the flushed stream.
    void interrupt();
    void resume();
    // The stream is being ended from outside at running time `stop`: next()
    // gives the closing frame (when one is needed), then Ended.
    void request_close(Nanos stop);
    bool closing() const { return closing_; }
    // A frame at the first frame time at or after `request.at` (kNoTime or a
    // past time: the next frame time), even on a still screen: then the last
    // frame again (FrameKind::Requested). Any frame pushed at or after `at`
    // answers it (Frame::answers). Requests wait in time order, each answered
    // by the first frame at or after its own time.
    void request_frame(const FrameRequest &request);
    SessionStats stats() const;

    // A start-up exception as a failure (the element's one error mapping),
    // decided where an xshm::Error was made, else at the caller.
    static Step failure_of(const std::exception &error, Failure kind,
                           SourceLocation where = SourceLocation::current());

private:
    Step decide(const FramePacer::Tick &tick);
    void measure_first_latency();
    void pin_window();
    Step capture(const FramePacer::Tick &tick);
    Step lend_slot(const std::shared_ptr<FrameSlots> &lender, LentSlot *lent);
    std::shared_ptr<FrameSlots> frame_lender();
    Step capture_converted(Frame &frame);
    Step captured(Frame frame, std::chrono::steady_clock::time_point begin);
    Nanos frame_time(uint64_t number) const;
    Step unchanged(const FramePacer::Tick &tick);
    Step close();
    Step relocate();
    Step frame_step(Frame frame);
    std::optional<FrameRequest> take_requests(Nanos until);
    void set_format();
    void measure_latency(Nanos took, Step *step);
    void count(const Step &step);

    Clock clock_;
    SessionOptions options_; // streaming thread
    std::unique_ptr<Grabber> grabber_;
    FrameFormat format_;
    FramePacer pacer_;
    bool draw_cursor_ = true;
    std::unique_ptr<FrameConverter> converter_; // null: frames in the screen's format
    std::shared_ptr<FrameSlots> lender_;        // null: frame_pool() lends its own
    bool format_changed_ = false;
    // The last frame pushed: what it shows and when (repeats and keepalives
    // are copies of it, made by the element).
    bool has_last_ = false;
    ScreenState last_state_;
    Nanos last_pushed_ = kNoTime;
    uint64_t last_number_ = 0;
    bool stall_reported_ = false;
    bool close_done_ = false;
    std::atomic<Nanos> latency_{0};

    // Set from other threads; the wait in lend_slot() watches `stop_waiting_`.
    mutable std::mutex control_mutex_;
    std::atomic<bool> stop_waiting_{false};
    std::atomic<bool> closing_{false};
    Nanos stop_time_ = kNoTime;            // under control_mutex_
    std::shared_ptr<FrameSlots> waiting_on_; // under control_mutex_: the lender a wait is in
    std::vector<FrameRequest> requests_;   // under control_mutex_: by time, earliest first
    // Under control_mutex_ (set by the streaming thread with each grabber):
    // the connection whose waits on the server interrupt() wakes.
    std::shared_ptr<DisplayConnection> display_;

    mutable std::mutex stats_mutex_;
    SessionStats stats_;
};

} // namespace xshm
