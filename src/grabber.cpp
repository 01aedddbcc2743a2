// SPDX-License-Identifier: LGPL-2.1-or-later
#include "grabber.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <optional>
#include <vector>

#include <xcb/shm.h>

#include "error.h"
#include "open_capture_source.h"
#include "shm_segment.h"
#include "xcb_handles.h"

namespace xshm {
namespace {

// A GetImage reply owns the pixels; they are freed with it.
class ReplyFrame : public FrameMemory {
public:
    explicit ReplyFrame(XcbReply<xcb_get_image_reply_t> reply) : reply_(std::move(reply)) {}
    uint8_t *data() const override { return xcb_get_image_data(reply_.get()); }
    std::size_t size() const override {
        return std::size_t(xcb_get_image_data_length(reply_.get()));
    }

private:
    XcbReply<xcb_get_image_reply_t> reply_;
};

} // namespace

const char *capture_path_name(CapturePath path) {
    switch (path) {
    case CapturePath::ShmMemfd: return "shm-memfd";
    case CapturePath::ShmSysV: return "shm-sysv";
    case CapturePath::GetImage: return "get-image";
    }
    return "unknown";
}

Grabber::Grabber(const GrabberOptions &options) {
    display_ = DisplayConnection::open(options.source.display_name);
    source_ = open_capture_source(display_, options.source);
    format_ = source_->format();
    stride_ = format_.stride(region().width);
    choose_path(options);
    if (options.use_damage)
        damage_ =
            DamageTracker::create(display_, source_->damage_drawable(), source_->damage_area());
    if (source_->needs_repaint())
        let_window_repaint();
    set_show_pointer(options.show_pointer);
}

// The server sends the application Expose for what its new pixmap lacks (parts
// that were off the screen or covered); the first frame waits until that
// drawing has settled: no damage for 50 ms, 300 ms at the most.
void Grabber::let_window_repaint() {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto quiet_since = start;
    display_->reply(xcb_get_input_focus_reply, xcb_get_input_focus(display_->xcb()),
                    "waiting for the window's drawing");
    while (Clock::now() - start < std::chrono::milliseconds(300) &&
           Clock::now() - quiet_since < std::chrono::milliseconds(50)) {
        const uint64_t before = damage_ ? damage_->generation() : 0;
        drain_events();
        if (damage_ && (damage_->current() != before))
            quiet_since = Clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void Grabber::set_show_pointer(bool show) {
    if (!show) {
        cursor_.reset(); // rows it was drawn over are refetched with each slot's next frame
        return;
    }
    if (cursor_)
        return;
    cursor_ = CursorTracker::create(display_, format_, source_->screen_area());
    if (!cursor_)
        throw Error("show-pointer: X display '" + display_->name() +
                    "' has no XFIXES 2 to read the cursor from (set show-pointer=false)");
}

uint32_t Grabber::window_id() const { return source_->window(); }

Grabber::~Grabber() { close(); }

void Grabber::close() {
    cursor_.reset();
    damage_.reset();
    source_.reset(); // frees a window's pixmap while the connection is open
    if (display_)
        display_->close();
}

// SHM is proven by capturing one frame, since a server may accept an attach
// yet fail the image request (or refuse the attach over TCP). Once a path
// works it stays: later failures are errors, never a silent switch.
void Grabber::choose_path(const GrabberOptions &options) {
    if (options.force_get_image) {
        path_reason_ = "remote=true asks for GetImage";
        return;
    }
    const ShmSupport &shm = display_->shm();
    if (!shm.present) {
        path_reason_ = "the X server has no MIT-SHM extension";
        return;
    }

    std::vector<SegmentKind> kinds;
    if (shm.fd_passing)
        kinds.push_back(SegmentKind::Memfd);
    kinds.push_back(SegmentKind::SysV);

    std::string failures;
    for (SegmentKind kind : kinds) {
        const char *name = kind == SegmentKind::Memfd ? "memfd" : "SysV";
        try {
            auto segment = ShmSegment::create(display_, kind, frame_size());
            probe_into(segment->server_segment());
            const std::shared_ptr<DisplayConnection> display = display_;
            const std::size_t size = frame_size();
            slot_pool_ = SlotPool::create(
                [display, kind, size](std::string *error) -> std::unique_ptr<SlotMemory> {
                    return ShmSegment::try_create(display, kind, size, error);
                },
                size, options.max_slots);
            slot_pool_->adopt(std::move(segment));
            path_ = kind == SegmentKind::Memfd ? CapturePath::ShmMemfd : CapturePath::ShmSysV;
            path_reason_ = std::string("MIT-SHM ") + std::to_string(shm.major) + "." +
                           std::to_string(shm.minor) + " with " + name + " segments";
            return;
        } catch (const ConnectionLost &) {
            throw;
        } catch (const Error &e) {
            failures += std::string(failures.empty() ? "" : "; ") + name + ": " + e.what();
        }
    }
    path_reason_ = "MIT-SHM did not work on this connection (" + failures + ")";
}

// One MIT-SHM GetImage of `r` in `drawable` into `segment`; `what` names it in errors.
void Grabber::shm_get_image(xcb_shm_seg_t segment, xcb_drawable_t drawable, const Region &r,
                            const std::string &what) {
    display_->check_alive();
    display_->reply(xcb_shm_get_image_reply,
                    xcb_shm_get_image(display_->xcb(), drawable, int16_t(r.x), int16_t(r.y),
                                      uint16_t(r.width), uint16_t(r.height), ~0u,
                                      XCB_IMAGE_FORMAT_Z_PIXMAP, segment, 0),
                    what);
}

void Grabber::capture_into_segment(xcb_shm_seg_t segment) {
    shm_get_image(segment, source_->drawable(), region(), "MIT-SHM GetImage of " + region().text());
}

// Whether shared memory works is the screen's business, not the source's (a
// hidden window has nothing to show yet): the probe reads the root.
void Grabber::probe_into(xcb_shm_seg_t segment) {
    const xcb_screen_t *screen = display_->screen();
    const Region top_left{0, 0, std::min<unsigned>(region().width, screen->width_in_pixels),
                          std::min<unsigned>(region().height, screen->height_in_pixels)};
    shm_get_image(segment, screen->root, top_left, "MIT-SHM GetImage");
}

// One reader of the event queue, since damage, cursor and source events share it.
void Grabber::drain_events() {
    display_->check_alive();
    while (xcb_generic_event_t *event = xcb_poll_for_event(display_->xcb())) {
        layout_changed_ = source_->handle_event(event) || layout_changed_;
        if (!(damage_ && damage_->handle_event(event)) && cursor_)
            cursor_->handle_event(event);
        std::free(event);
    }
    display_->check_alive();
}

bool Grabber::layout_changed() {
    drain_events();
    if (!layout_changed_)
        layout_changed_ = source_->poll();
    return layout_changed_;
}

ScreenState Grabber::poll_state() {
    drain_events();
    ScreenState state;
    if (damage_)
        state.generation = damage_->current();
    if (cursor_) {
        cursor_->receive_position();
        state.cursor = cursor_->state();
        cursor_->request_position(); // answered by the next call, no waiting
    }
    return state;
}

// A fresh pointer query, sent just before the image requests so its answer
// travels with theirs.
void Grabber::send_cursor_query() {
    if (!cursor_)
        return;
    cursor_->discard_position();
    cursor_->request_position();
}

std::optional<RowBand> Grabber::draw_cursor(uint8_t *frame, ScreenState &state) {
    if (!cursor_)
        return std::nullopt;
    cursor_->receive_position();
    state.cursor = cursor_->state();
    if (!draw_cursor_)
        return std::nullopt;
    return cursor_->draw(frame, stride_);
}

CaptureResult Grabber::capture_into(SlotPool::Lease &slot) {
    drain_events();
    send_cursor_query();
    CaptureResult result;
    try {
        result = damage_ ? update_slot(slot) : CaptureResult{fetch_whole(slot), true, {}};
    } catch (...) {
        slot.set_content_generation(0);
        throw;
    }
    slot.set_cursor_band(draw_cursor(slot.data(), result.state));
    return result;
}

// One request is atomic in the server: the frame is one screen state.
std::size_t Grabber::fetch_whole(SlotPool::Lease &slot) {
    capture_into_segment(slot.server_segment());
    return frame_size();
}

// Refetches the rows changed since the slot's content, without grabbing the
// server (a grabbing client that is stopped would freeze every X client).
// Several requests are not atomic together, so a damage collect travels behind
// them: when nothing was drawn meanwhile, every band shows the same state;
// else the rows drawn meanwhile are fetched again, and so on.
CaptureResult Grabber::update_slot(SlotPool::Lease &slot) {
    constexpr int kAttempts = 3;
    uint64_t generation = damage_->collect();
    auto bands = with_bands(damage_->bands_since(slot.content_generation()), {slot.cursor_band()});
    std::size_t fetched = 0;
    for (int attempt = 0; bands && !mostly_whole(*bands) && attempt < kAttempts; ++attempt) {
        if (bands->empty()) { // only the pointer moved, and it was not drawn here
            slot.set_content_generation(generation);
            return {fetched, false, {generation, {}}};
        }
        fetched += fetch_bands(slot, *bands);
        const uint64_t after = damage_->receive_collect(pending_collect_);
        if (after == generation) {
            slot.set_content_generation(generation);
            return {fetched, false, {generation, {}}};
        }
        bands = damage_->bands_since(generation); // drawn while we fetched
        generation = after;
    }
    // Beyond a share of the rows, or while drawing keeps racing us: one request.
    fetched += fetch_whole(slot);
    slot.set_content_generation(generation);
    return {fetched, true, {generation, {}}};
}

bool Grabber::mostly_whole(const std::vector<RowBand> &bands) const {
    std::size_t rows = 0;
    for (const RowBand &band : bands)
        rows += band.height;
    // Beyond this share, one request for everything is cheaper than many.
    return rows * 4 > std::size_t(region().height) * 3;
}

// Sends every band and the damage collect behind them, then reads the band
// replies: one round trip. The collect's answer is left for the caller.
std::size_t Grabber::fetch_bands(SlotPool::Lease &slot, const std::vector<RowBand> &bands) {
    xcb_connection_t *conn = display_->xcb();
    std::vector<xcb_shm_get_image_cookie_t> cookies;
    cookies.reserve(bands.size());
    std::size_t rows = 0;
    for (const RowBand &band : bands) {
        cookies.push_back(xcb_shm_get_image(
            conn, source_->drawable(), int16_t(region().x), int16_t(region().y + int(band.y)),
            uint16_t(region().width), uint16_t(band.height), ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP,
            slot.server_segment(), uint32_t(band.y * stride_)));
        rows += band.height;
    }
    pending_collect_ = damage_->request_collect();
    const std::string failure = read_band_replies(cookies);
    if (!failure.empty()) {
        damage_->receive_collect(pending_collect_);
        display_->check_alive();
        throw Error("MIT-SHM GetImage of changed rows of " + region().text() + " on display '" +
                    display_->name() + "' failed (" + failure + ")");
    }
    return rows * stride_;
}

// "" when every band went through, else the first X error. A wait given up on
// leaves the replies still owed (the collect's too) to be dropped as they come.
std::string Grabber::read_band_replies(const std::vector<xcb_shm_get_image_cookie_t> &cookies) {
    std::string failure;
    for (std::size_t i = 0; i < cookies.size(); ++i) {
        try {
            const auto got =
                display_->answer(xcb_shm_get_image_reply, cookies[i], "MIT-SHM GetImage of rows");
            if (!got.first && failure.empty())
                failure = "X error " + std::to_string(got.second ? got.second->error_code : 0);
        } catch (const Error &) {
            for (std::size_t k = i + 1; k < cookies.size(); ++k)
                xcb_discard_reply(display_->xcb(), cookies[k].sequence);
            xcb_discard_reply(display_->xcb(), pending_collect_.sequence);
            throw;
        }
    }
    return failure;
}

std::unique_ptr<FrameMemory> Grabber::capture_get_image(CaptureResult *result) {
    drain_events();
    CaptureResult captured{frame_size(), true, {}};
    // Taken before the image: a change racing it only costs one more frame.
    if (damage_)
        captured.state.generation = damage_->current();
    send_cursor_query();
    const Region &r = region();
    auto reply = display_->reply(xcb_get_image_reply,
                                 xcb_get_image(display_->xcb(), XCB_IMAGE_FORMAT_Z_PIXMAP,
                                               source_->drawable(), int16_t(r.x), int16_t(r.y),
                                               uint16_t(r.width), uint16_t(r.height), ~0u),
                                 "GetImage of " + r.text());
    auto frame = std::make_unique<ReplyFrame>(std::move(reply));
    if (frame->size() < frame_size())
        throw Error("GetImage returned " + std::to_string(frame->size()) + " bytes, expected " +
                    std::to_string(frame_size()));
    draw_cursor(frame->data(), captured.state);
    if (result != nullptr)
        *result = captured;
    return frame;
}

} // namespace xshm
