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
        options_.grabber.xid = id;
        options_.grabber.xname.clear();
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
    output_ = output;
    mirror_.reset();
    converted_.reset();
    if (output == OutputFormat::Native)
        return "";
    if (!format_.converts)
        return std::string("cannot make ") + output_format_name(output) + " from " +
               format_.gst_format + (grabber_->slot_pool() ? "" : " without MIT-SHM");
    const PlaneLayout layout = plane_layout(output, format_.width, format_.height);
    converted_ =
        SlotPool::create(nullptr, SegmentKind::Private, layout.size, options_.grabber.max_slots);
    return "";
}

void CaptureSession::reserve_frames(unsigned count) {
    if (converted_ && converted_->max_slots() < count)
        converted_->set_max_slots(count);
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
    if (output_ != OutputFormat::Native)
        return capture_converted(frame);
    std::unique_ptr<SlotPool::Lease> slot;
    if (grabber_->slot_pool()) {
        Step waited = acquire_slot(grabber_->slot_pool(), &slot);
        if (!slot)
            return waited;
    }
    const auto begin = SteadyClock::now();
    frame.timestamp = frame_time(frame.number);
    if (slot) {
        frame.capture = grabber_->capture_into(*slot);
        frame.memory = std::move(slot);
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
    Step step = pushed(std::move(frame));
    measure_latency(took, &step);
    return step;
}

// The server refreshes the changed rows of the mirror, a slot kept here, and
// only the rows that changed since the pushed frame's own content are
// converted into it: a still screen costs no conversion, typing a few rows.
Step CaptureSession::capture_converted(Frame &frame) {
    std::unique_ptr<SlotPool::Lease> target;
    if (!mirror_) {
        Step waited = acquire_slot(grabber_->slot_pool(), &mirror_);
        if (!mirror_)
            return waited;
    }
    Step waited = acquire_slot(converted_, &target);
    if (!target)
        return waited;
    const auto begin = SteadyClock::now();
    frame.timestamp = frame_time(frame.number);
    frame.capture = grabber_->capture_into(*mirror_);
    frame.converted = convert(*target, frame.capture);
    frame.memory = std::move(target);
    return captured(std::move(frame), begin);
}

std::vector<RowBand> rows_to_convert(const CaptureResult &mirror,
                                     std::optional<std::vector<RowBand>> changed_since_frame,
                                     std::initializer_list<std::optional<RowBand>> pointer_bands,
                                     unsigned height) {
    const std::vector<RowBand> all{{0, height}};
    if (mirror.full)
        return all;
    return with_bands(std::move(changed_since_frame), pointer_bands).value_or(all);
}

std::size_t CaptureSession::convert(SlotPool::Lease &target, const CaptureResult &mirrored) {
    const unsigned width = format_.width, height = format_.height;
    const std::vector<RowBand> rows =
        rows_to_convert(mirrored, grabber_->changed_rows_since(target.content_generation()),
                        {target.cursor_band(), mirror_->cursor_band()}, height);
    std::size_t converted = 0;
    for (const RowBand &band : rows) {
        convert_rows(mirror_->data(), format_.stride, width, height, band, output_, target.data());
        converted += conversion_band(output_, band, height).height * format_.stride;
    }
    target.set_content_generation(mirrored.state.generation);
    target.set_cursor_band(mirror_->cursor_band());
    return converted;
}

// Waits for a free slot, watching the connection (a server that dies while
// downstream holds every slot is noticed) and saying once when it takes long.
Step CaptureSession::acquire_slot(const std::shared_ptr<SlotPool> &pool,
                                  std::unique_ptr<SlotPool::Lease> *slot) {
    {
        std::lock_guard<std::mutex> lock(control_mutex_);
        waiting_on_ = pool;
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
        SlotPool::Acquired got = pool->acquire(stop_waiting_, kConnectionCheck);
        switch (got.status) {
        case SlotPool::Acquired::Status::Ok:
            stall_reported_ = false;
            *slot = std::move(got.lease);
            return {};
        case SlotPool::Acquired::Status::Cancelled: return outcome(Outcome::Interrupted);
        case SlotPool::Acquired::Status::Failed:
            grabber_->check_connection();
            return failed(Failure::NoSpace, "cannot create another shared-memory slot (" +
                                                std::to_string(pool->slots_created()) +
                                                " in use): " + got.error);
        case SlotPool::Acquired::Status::TimedOut:
            grabber_->check_connection();
            if (!stall_reported_ && SteadyClock::now() - begin >= kStallReport) {
                stall_reported_ = true;
                return outcome(Outcome::Stalled,
                               "downstream holds all " + std::to_string(pool->max_slots()) +
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
        return pushed(std::move(frame));
    }
    const Nanos keepalive = Nanos(options_.keepalive_ms) * 1000000;
    if (keepalive > 0 && last_pushed_ != kNoTime && frame.timestamp != kNoTime &&
        frame.timestamp - last_pushed_ >= keepalive) {
        frame.kind = FrameKind::Keepalive;
        return pushed(std::move(frame));
    }
    // A key unit is due: the encoder needs a frame of its own to make it from.
    if ((frame.answers = take_requests(frame.timestamp))) {
        frame.kind = FrameKind::Requested;
        return pushed(std::move(frame));
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
    return pushed(std::move(frame));
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
    set_output(output_);
    has_last_ = false;
    last_state_ = ScreenState();
    return outcome(Outcome::Renegotiate,
                   "what is captured moved or changed: now " + grabber_->source_description() +
                       ", " + grabber_->region().text() +
                       (grabber_->hidden() ? " (waiting until it is shown)" : ""));
}

Step CaptureSession::pushed(Frame frame) {
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
