// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture_session.h"

#include <algorithm>

#include "error.h"

namespace xshm {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kConnectionCheck{50};

Nanos nanos_since(SteadyClock::time_point begin) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - begin).count();
}

Step outcome(Outcome what, std::string message = "", std::string detail = "",
             SourceLocation where = SourceLocation::current()) {
    Step step;
    step.outcome = what;
    step.message = std::move(message);
    step.detail = std::move(detail);
    step.where = where;
    return step;
}

Step failed(Failure kind, std::string message, std::string detail = "",
            SourceLocation where = SourceLocation::current()) {
    Step step = outcome(Outcome::Failed, std::move(message), std::move(detail), where);
    step.failure = kind;
    return step;
}

} // namespace

CaptureSession::CaptureSession(const SessionOptions &options, Clock clock)
    : clock_(std::move(clock)), options_(options) {
    grabber_ = std::make_unique<Grabber>(options_.grabber);
    display_ = grabber_->display();
    pin_window();
    set_format();
    if (!grabber_->hidden())
        measure_first_latency();
}

// The slower of two captures is the first latency estimate. The slots used
// forget what they hold, so the first frame is a whole capture (and counted so).
void CaptureSession::measure_first_latency() {
    for (int i = 0; i < 2; ++i) {
        const auto begin = SteadyClock::now();
        if (const auto &pool = grabber_->slot_pool()) {
            const std::atomic<bool> never{false};
            auto got = pool->acquire(never, std::chrono::seconds(5));
            if (!got.lease)
                throw Error("cannot create a shared-memory slot: " + got.error);
            grabber_->capture_into(*got.lease);
            got.lease->set_content_generation(0);
        } else {
            grabber_->capture_get_image();
        }
        latency_ = std::max(latency_.load(), nanos_since(begin));
    }
}

// A window found by name stays that window, whatever its title becomes: it
// is looked up again by id after a move or a minimize.
void CaptureSession::pin_window() {
    if (const uint32_t id = grabber_->window_id()) {
        options_.grabber.source.xid = id;
        options_.grabber.source.xname.clear();
    }
}

CaptureSession::~CaptureSession() = default;

void CaptureSession::set_format() {
    const Region &r = grabber_->region();
    format_.gst_format = grabber_->format().gst_format;
    format_.width = r.width;
    format_.height = r.height;
    format_.stride = grabber_->stride();
    format_.size = grabber_->frame_size();
    format_.variable_rate = options_.skip_unchanged;
    format_.converts = grabber_->slot_pool() != nullptr && converts_from(grabber_->format());
}

std::string CaptureSession::set_output(OutputFormat output) {
    converter_.reset();
    lender_.reset();
    if (output == OutputFormat::Native)
        return "";
    if (!format_.converts)
        return std::string("cannot make ") + output_format_name(output) + " from " +
               format_.gst_format + (grabber_->slot_pool() ? "" : " without MIT-SHM");
    converter_ = std::make_unique<FrameConverter>(output, format_.width, format_.height,
                                                  format_.stride, options_.grabber.max_slots);
    return "";
}

std::shared_ptr<SlotPool> CaptureSession::frame_pool() const {
    return converter_ ? converter_->frames() : grabber_->slot_pool();
}

void CaptureSession::lend_frames_from(std::shared_ptr<FrameSlots> lender) {
    lender_ = std::move(lender);
}

std::shared_ptr<FrameSlots> CaptureSession::frame_lender() {
    if (!lender_)
        lender_ = std::make_shared<PoolSlots>(frame_pool());
    return lender_;
}

Step CaptureSession::failure_of(const std::exception &error, Failure kind, SourceLocation where) {
    if (const auto *made_here = dynamic_cast<const Error *>(&error))
        where = made_here->where();
    if (dynamic_cast<const ServerUnresponsive *>(&error) != nullptr)
        return failed(Failure::Read, error.what(),
                      "the X server stopped answering (stopped or hung)", where);
    if (dynamic_cast<const ConnectionLost *>(&error) != nullptr)
        return failed(Failure::Read, error.what(),
                      "the X server closed the connection or went away", where);
    if (dynamic_cast<const MonitorNotFound *>(&error) != nullptr ||
        dynamic_cast<const WindowNotFound *>(&error) != nullptr)
        return failed(Failure::NotFound, error.what(), "", where);
    return failed(kind, error.what(), "", where);
}

Step CaptureSession::next(const FramePacer::Tick &tick) {
    Step step;
    try {
        step = decide(tick);
    } catch (const WaitInterrupted &) {
        step = outcome(Outcome::Interrupted);
    } catch (const ConnectionLost &e) {
        step = failure_of(e, Failure::Read);
    } catch (const std::exception &e) {
        // A resize between our look and the request fails the request:
        // follow the new layout rather than fail the stream.
        bool moved = false;
        try {
            moved = grabber_->layout_changed();
        } catch (const std::exception &) {
        }
        step = moved ? relocate() : failure_of(e, Failure::Read);
    }
    pacer_.taken(tick);
    count(step);
    return step;
}

Step CaptureSession::decide(const FramePacer::Tick &tick) {
    if (closing_)
        return close();
    if (format_changed_) {
        format_changed_ = false;
        has_last_ = false;
        return outcome(Outcome::Renegotiate, format_.variable_rate
                                                 ? "skip-unchanged on: variable frame rate"
                                                 : "skip-unchanged off: constant frame rate");
    }
    if (grabber_->layout_changed())
        return relocate();
    // A minimized window: the last frame stands (repeated, kept alive or not
    // pushed, as for a still screen) until it is shown again.
    if (grabber_->hidden())
        return has_last_ ? unchanged(tick) : outcome(Outcome::Nothing);
    // Damage and the pointer say, without a round trip, whether the last frame
    // still shows the screen.
    if (has_last_ && grabber_->tracks_damage() && grabber_->poll_state() == last_state_)
        return unchanged(tick);
    return capture(tick);
}

Step CaptureSession::capture(const FramePacer::Tick &tick) {
    Frame frame;
    frame.kind = FrameKind::Captured;
    frame.number = tick.number;
    if (converter_)
        return capture_converted(frame);
    LentSlot lent;
    if (grabber_->slot_pool()) {
        Step waited = lend_slot(frame_lender(), &lent);
        if (!lent.slot)
            return waited;
    }
    const auto begin = SteadyClock::now();
    frame.timestamp = frame_time(frame.number);
    if (lent.slot) {
        frame.capture = grabber_->capture_into(*lent.slot);
        frame.memory = std::move(lent.frame);
    } else {
        frame.memory = grabber_->capture_get_image(&frame.capture);
    }
    return captured(std::move(frame), begin);
}

// A capture begun at `begin` is done: what it shows, how long it took.
Step CaptureSession::captured(Frame frame, std::chrono::steady_clock::time_point begin) {
    const Nanos took = nanos_since(begin);
    last_state_ = frame.capture.state;
    frame.duration = format_.variable_rate ? kNoTime : pacer_.period();
    Step step = frame_step(std::move(frame));
    measure_latency(took, &step);
    return step;
}

// The mirror is a screen slot of the session's own; the frame pushed is lent.
Step CaptureSession::capture_converted(Frame &frame) {
    if (!converter_->mirror()) {
        LentSlot mirror;
        Step waited = lend_slot(std::make_shared<PoolSlots>(grabber_->slot_pool()), &mirror);
        if (!mirror.slot)
            return waited;
        converter_->set_mirror(std::move(mirror));
    }
    LentSlot target;
    Step waited = lend_slot(frame_lender(), &target);
    if (!target.slot)
        return waited;
    const auto begin = SteadyClock::now();
    frame.timestamp = frame_time(frame.number);
    frame.capture = grabber_->capture_into(*converter_->mirror());
    frame.converted = converter_->convert(*target.slot, frame.capture, *grabber_);
    frame.memory = std::move(target.frame);
    return captured(std::move(frame), begin);
}

// Waits for a free slot, watching the connection (a server that dies while
// downstream holds every slot is noticed) and saying once when it takes long.
Step CaptureSession::lend_slot(const std::shared_ptr<FrameSlots> &lender, LentSlot *lent) {
    {
        std::lock_guard<std::mutex> lock(control_mutex_);
        waiting_on_ = lender;
    }
    struct Done {
        CaptureSession *self;
        ~Done() {
            std::lock_guard<std::mutex> lock(self->control_mutex_);
            self->waiting_on_.reset();
        }
    } done{this};

    const auto begin = SteadyClock::now();
    for (;;) {
        LentSlot got = lender->lend(stop_waiting_, kConnectionCheck);
        switch (got.status) {
        case LentSlot::Status::Ok:
            stall_reported_ = false;
            *lent = std::move(got);
            return {};
        case LentSlot::Status::Cancelled: return outcome(Outcome::Interrupted);
        case LentSlot::Status::Failed: {
            grabber_->check_connection();
            const char *what = converter_ ? "frame" : "shared-memory slot";
            return failed(Failure::NoSpace, std::string("cannot create another ") + what + " (" +
                                                std::to_string(lender->slots_created()) +
                                                " in use): " + got.error);
        }
        case LentSlot::Status::TimedOut:
            grabber_->check_connection();
            if (!stall_reported_ && SteadyClock::now() - begin >= kStallReport) {
                stall_reported_ = true;
                return outcome(Outcome::Stalled,
                               "downstream holds all " + std::to_string(lender->max_slots()) +
                                   " frames (max-slots); capture waits for one to come back");
            }
            break;
        }
    }
}

// A paced stream's frame is stamped at its frame time (frame k at k periods),
// as a constant rate means, so a capture that woke a little late does not
// come closer than a period to the next one (a container or player rounding
// to the rate would give both one timestamp). A capture that began past its
// period (it waited for a slot) keeps the time it began.
Nanos CaptureSession::frame_time(uint64_t number) const {
    const Nanos now = clock_();
    const Nanos period = pacer_.period();
    if (now == kNoTime || period == kNoTime)
        return now;
    const Nanos nominal = pacer_.time_of(number);
    return now < nominal + period && nominal > last_pushed_ ? nominal : now;
}

Step CaptureSession::unchanged(const FramePacer::Tick &tick) {
    Frame frame;
    frame.number = tick.number;
    frame.timestamp = frame_time(frame.number);
    if (!options_.skip_unchanged) {
        frame.kind = FrameKind::Repeated;
        frame.duration = pacer_.period();
        return frame_step(std::move(frame));
    }
    const Nanos keepalive = Nanos(options_.keepalive_ms) * 1000000;
    if (keepalive > 0 && last_pushed_ != kNoTime && frame.timestamp != kNoTime &&
        frame.timestamp - last_pushed_ >= keepalive) {
        frame.kind = FrameKind::Keepalive;
        return frame_step(std::move(frame));
    }
    // A key unit is due: the encoder needs a frame of its own to make it from.
    if ((frame.answers = take_requests(frame.timestamp))) {
        frame.kind = FrameKind::Requested;
        return frame_step(std::move(frame));
    }
    return outcome(Outcome::Nothing);
}

// The last frame once more at the stop time, unless it already lasts until
// then (a constant-rate frame covers one period): a recording ends when it
// was stopped, not at the last change.
Step CaptureSession::close() {
    Nanos stop;
    {
        std::lock_guard<std::mutex> lock(control_mutex_);
        stop = stop_time_;
    }
    if (stop == kNoTime)
        stop = clock_();
    const Nanos period = pacer_.period();
    const Nanos covered_until =
        last_pushed_ + (format_.variable_rate || period == kNoTime ? 0 : period);
    if (close_done_ || !has_last_ || last_pushed_ == kNoTime || stop == kNoTime ||
        stop <= covered_until)
        return outcome(Outcome::Ended);
    close_done_ = true;
    Frame frame;
    frame.kind = FrameKind::Closing;
    frame.number = last_number_ + 1;
    // On the frame grid as every other frame, and at least a period after the
    // last: a stop a millisecond after a frame must not give two frames one
    // timestamp once a container or player rounds them to the rate.
    frame.timestamp =
        period == kNoTime ? stop : pacer_.time_at_or_after(std::max(stop, last_pushed_ + period));
    frame.duration = period;
    return frame_step(std::move(frame));
}

Step CaptureSession::relocate() {
    std::unique_ptr<Grabber> grabber;
    try {
        grabber = std::make_unique<Grabber>(options_.grabber);
    } catch (const MonitorNotFound &e) {
        if (options_.eos_on_monitor_loss)
            return outcome(Outcome::Ended, e.what(), "the captured monitor is gone: end of stream");
        return failed(Failure::NotFound, e.what(),
                      "the captured monitor is gone (eos-on-monitor-loss=true ends the stream "
                      "instead)");
    } catch (const WindowNotFound &e) {
        // The window closed: the recording of it is complete.
        return outcome(Outcome::Ended, e.what(), "the captured window went away: end of stream");
    } catch (const std::exception &e) {
        return failure_of(e, Failure::Read);
    }
    grabber->set_cursor_drawing(draw_cursor_);
    grabber_ = std::move(grabber); // the old one disconnects; its slots stay readable
    {
        std::lock_guard<std::mutex> lock(control_mutex_);
        display_ = grabber_->display();
        if (stop_waiting_)
            display_->interrupt();
    }
    pin_window();
    set_format();
    // Caps equal to the old ones are not set again (basesrc skips them), so the
    // converted frames are remade here for the new grabber. Where it cannot
    // convert, the caps it offers differ and their set_caps reports it.
    set_output(output());
    has_last_ = false;
    last_state_ = ScreenState();
    return outcome(Outcome::Renegotiate,
                   "what is captured moved or changed: now " + grabber_->source_description() +
                       ", " + grabber_->region().text() +
                       (grabber_->hidden() ? " (waiting until it is shown)" : ""));
}

// The step that gives `frame`, remembered as the last one.
Step CaptureSession::frame_step(Frame frame) {
    if (!frame.answers)
        frame.answers = take_requests(frame.timestamp);
    has_last_ = true;
    last_number_ = frame.number;
    if (frame.timestamp != kNoTime)
        last_pushed_ = frame.timestamp;
    Step step = outcome(Outcome::Frame);
    step.frame = std::move(frame);
    return step;
}

// The requests a frame at `until` answers (all of them without a clock),
// merged into one, and forgotten.
std::optional<FrameRequest> CaptureSession::take_requests(Nanos until) {
    std::lock_guard<std::mutex> lock(control_mutex_);
    auto end = requests_.begin();
    while (end != requests_.end() && (until == kNoTime || end->at <= until))
        ++end;
    if (end == requests_.begin())
        return std::nullopt;
    FrameRequest merged = requests_.front();
    for (auto r = requests_.begin(); r != end; ++r) {
        merged.all_headers = merged.all_headers || r->all_headers;
        merged.count = std::max(merged.count, r->count);
    }
    requests_.erase(requests_.begin(), end);
    return merged;
}

void CaptureSession::measure_latency(Nanos took, Step *step) {
    if (took <= latency_)
        return;
    latency_ = took + took / 4;
    step->latency_grew = true;
}

std::string CaptureSession::update(const SessionOptions &options) {
    SessionOptions next = options_;
    copy_live_options(options, next);
    std::string warning;
    if (next.grabber.show_pointer != options_.grabber.show_pointer) {
        try {
            grabber_->set_show_pointer(next.grabber.show_pointer);
        } catch (const std::exception &e) {
            warning = e.what();
            next.grabber.show_pointer = options_.grabber.show_pointer; // still as it was
        }
    }
    if (next.skip_unchanged != options_.skip_unchanged) {
        format_.variable_rate = next.skip_unchanged;
        format_changed_ = true;
    }
    options_ = std::move(next);
    return warning;
}

void CaptureSession::set_cursor_drawing(bool draw) {
    draw_cursor_ = draw;
    grabber_->set_cursor_drawing(draw);
}

void CaptureSession::interrupt() {
    std::lock_guard<std::mutex> lock(control_mutex_);
    requests_.clear();
    stop_waiting_ = true;
    if (waiting_on_)
        waiting_on_->interrupt();
    display_->interrupt();
}

void CaptureSession::resume() {
    std::lock_guard<std::mutex> lock(control_mutex_);
    stop_waiting_ = closing_.load();
    if (!closing_)
        display_->resume();
}

void CaptureSession::request_close(Nanos stop) {
    std::lock_guard<std::mutex> lock(control_mutex_);
    if (!closing_)
        stop_time_ = stop;
    closing_ = true;
    stop_waiting_ = true;
    if (waiting_on_)
        waiting_on_->interrupt();
    display_->interrupt();
}

void CaptureSession::request_frame(const FrameRequest &request) {
    std::lock_guard<std::mutex> lock(control_mutex_);
    const auto by_time = [](const FrameRequest &a, const FrameRequest &b) { return a.at < b.at; };
    requests_.insert(std::upper_bound(requests_.begin(), requests_.end(), request, by_time),
                     request);
}

SessionStats CaptureSession::stats() const {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    return stats_;
}

void CaptureSession::count(const Step &step) {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.cursor_fetches = grabber_->cursor_image_fetches();
    if (step.outcome == Outcome::Nothing)
        ++stats_.skipped_frames;
    if (step.outcome != Outcome::Frame)
        return;
    ++stats_.frames;
    stats_.bytes_full += format_.size;
    const Frame &frame = step.frame;
    switch (frame.kind) {
    case FrameKind::Captured:
        ++(frame.capture.full ? stats_.full_captures : stats_.partial_captures);
        stats_.bytes_fetched += frame.capture.bytes_fetched;
        stats_.bytes_converted += frame.converted;
        break;
    case FrameKind::Repeated: ++stats_.repeated_frames; break;
    case FrameKind::Keepalive: ++stats_.keepalive_frames; break;
    case FrameKind::Closing: ++stats_.closing_frames; break;
    case FrameKind::Requested: ++stats_.requested_frames; break;
    }
}

} // namespace xshm
