#include "grabber.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

#include <xcb/composite.h>
#include <xcb/randr.h>
#include <xcb/shm.h>

#include "error.h"
#include "monitor_lookup.h"
#include "window_lookup.h"
#include "xcb_handles.h"

namespace xshm {
namespace {

// A GetImage reply owns the pixels; they are freed with it.
class ReplyFrame : public FrameMemory {
public:
    explicit ReplyFrame(XcbReply<xcb_get_image_reply_t> reply) : reply_(std::move(reply)) {}
    uint8_t *data() const override { return xcb_get_image_data(reply_.get()); }
    std::size_t size() const override { return std::size_t(xcb_get_image_data_length(reply_.get())); }

private:
    XcbReply<xcb_get_image_reply_t> reply_;
};

std::string region_text(const Region &r) {
    return std::to_string(r.width) + "x" + std::to_string(r.height) + "+" + std::to_string(r.x) +
           "+" + std::to_string(r.y);
}

} // namespace

const char *capture_path_name(CapturePath path) {
    switch (path) {
    case CapturePath::ShmMemfd:
        return "shm-memfd";
    case CapturePath::ShmSysV:
        return "shm-sysv";
    case CapturePath::GetImage:
        return "get-image";
    }
    return "unknown";
}

Grabber::Grabber(const GrabberOptions &options) {
    display_ = DisplayConnection::open(options.display_name);
    format_ = describe_pixel_format(display_->setup(), display_->screen());
    source_ = damage_drawable_ = display_->screen()->root;
    if (options.xid != 0 || !options.xname.empty())
        locate_window(options);
    else if (!options.monitor.empty())
        locate_monitor(options);
    else
        locate_screen(options);
    stride_ = format_.stride(region_.width);
    choose_path(options);
    watch_layout();
    if (options.use_damage)
        damage_ = DamageTracker::create(display_, damage_drawable_, region_);
    set_show_pointer(options.show_pointer);
}

void Grabber::set_show_pointer(bool show) {
    if (!show) {
        cursor_.reset(); // rows it was drawn over are refetched with each slot's next frame
        return;
    }
    if (cursor_)
        return;
    cursor_ = CursorTracker::create(display_, format_, screen_area_);
    if (!cursor_)
        throw Error("show-pointer: X display '" + display_->name() +
                    "' has no XFIXES 2 to read the cursor from (set show-pointer=false)");
}

void Grabber::locate_screen(const GrabberOptions &options) {
    const xcb_screen_t *screen = display_->screen();
    try {
        region_ = resolve_region(options.region, screen->width_in_pixels, screen->height_in_pixels);
    } catch (const Error &e) {
        throw Error(std::string(e.what()) + " of display '" + display_->name() + "'");
    }
    screen_area_ = region_;
    source_description_ = "the screen";
}

void Grabber::locate_monitor(const GrabberOptions &options) {
    const xcb_screen_t *screen = display_->screen();
    const auto monitors = list_monitors(*display_);
    const Monitor &monitor = find_monitor(monitors, options.monitor, display_->name());
    try {
        region_ = resolve_region(options.region, monitor.width, monitor.height);
    } catch (const Error &e) {
        throw Error(std::string(e.what()) + " of monitor " + monitor.describe() +
                    " on display '" + display_->name() + "'");
    }
    region_.x += monitor.x;
    region_.y += monitor.y;
    monitor_spec_ = options.monitor;
    monitor_area_ = {monitor.x, monitor.y, monitor.width, monitor.height};
    monitor_checked_ = std::chrono::steady_clock::now();
    if (region_.x < 0 || region_.y < 0 || region_.x + region_.width > screen->width_in_pixels ||
        region_.y + region_.height > screen->height_in_pixels)
        throw Error("monitor " + monitor.describe() + " reaches outside the " +
                    std::to_string(screen->width_in_pixels) + "x" +
                    std::to_string(screen->height_in_pixels) + " screen of display '" +
                    display_->name() + "'");
    screen_area_ = region_;
    source_description_ = "monitor " + monitor.describe();
}

void Grabber::locate_window(const GrabberOptions &options) {
    xcb_connection_t *conn = display_->xcb();
    const WindowInfo w = find_window(*display_, options.xid, options.xname);
    Region inside;
    try {
        inside = resolve_region(options.region, w.width, w.height);
    } catch (const Error &e) {
        throw Error(std::string(e.what()) + " of window " + w.describe() + " on display '" +
                    display_->name() + "'");
    }
    window_ = w.id;
    window_x_ = w.parent_x;
    window_y_ = w.parent_y;
    window_width_ = w.width;
    window_height_ = w.height;
    // Moves, resizes and the window's end arrive as structure events.
    const uint32_t mask = XCB_EVENT_MASK_STRUCTURE_NOTIFY;
    xcb_change_window_attributes(conn, w.id, XCB_CW_EVENT_MASK, &mask);
    screen_area_ = {w.root_x + inside.x, w.root_y + inside.y, inside.width, inside.height};

    const auto *composite = xcb_get_extension_data(conn, &xcb_composite_id);
    if (composite != nullptr && composite->present && w.depth == display_->screen()->root_depth) {
        std::free(xcb_composite_query_version_reply(conn, xcb_composite_query_version(conn, 0, 4),
                                                    nullptr));
        // Kept off screen by the server too, so covering windows do not show through.
        xcb_composite_redirect_window(conn, w.id, XCB_COMPOSITE_REDIRECT_AUTOMATIC);
        window_pixmap_ = xcb_generate_id(conn);
        XcbError error(xcb_request_check(
            conn, xcb_composite_name_window_pixmap_checked(conn, w.id, window_pixmap_)));
        if (!error) {
            source_ = window_pixmap_;
            damage_drawable_ = w.id;
            region_ = {inside.x + int(w.border), inside.y + int(w.border), inside.width,
                       inside.height};
            source_description_ = "window " + w.describe() + " (its own contents, Composite)";
            return;
        }
        window_pixmap_ = 0;
        xcb_composite_unredirect_window(conn, w.id, XCB_COMPOSITE_REDIRECT_AUTOMATIC);
    }
    // Without Composite: what the screen shows there, clipped to the screen.
    const xcb_screen_t *screen = display_->screen();
    const int x0 = std::max(0, screen_area_.x), y0 = std::max(0, screen_area_.y);
    const int x1 = std::min(int(screen->width_in_pixels), screen_area_.x + int(inside.width));
    const int y1 = std::min(int(screen->height_in_pixels), screen_area_.y + int(inside.height));
    if (x0 >= x1 || y0 >= y1)
        throw WindowNotFound("window " + w.describe() + " is entirely off the screen of display '" +
                             display_->name() + "'");
    region_ = screen_area_ = {x0, y0, unsigned(x1 - x0), unsigned(y1 - y0)};
    source_description_ = "window " + w.describe() + " as the screen shows it";
    source_caveat_ = "X display '" + display_->name() +
                     "' has no Composite: windows covering " + w.describe() +
                     " show in the capture, parts off the screen are left out";
}

Grabber::~Grabber() { close(); }

void Grabber::close() {
    cursor_.reset();
    damage_.reset();
    if (window_pixmap_ != 0 && display_) {
        std::lock_guard<std::mutex> lock(display_->mutex());
        if (display_->is_open_locked() && !display_->has_error())
            xcb_free_pixmap(display_->xcb(), window_pixmap_);
        window_pixmap_ = 0;
    }
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
            capture_into_segment(segment->id());
            slot_pool_ = SlotPool::create(display_, kind, frame_size(), options.max_slots);
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

void Grabber::capture_into_segment(xcb_shm_seg_t segment) {
    display_->check_alive();
    xcb_connection_t *conn = display_->xcb();
    auto cookie = xcb_shm_get_image(conn, source_, int16_t(region_.x),
                                    int16_t(region_.y), uint16_t(region_.width),
                                    uint16_t(region_.height), ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP,
                                    segment, 0);
    xcb_generic_error_t *raw_error = nullptr;
    XcbReply<xcb_shm_get_image_reply_t> reply(xcb_shm_get_image_reply(conn, cookie, &raw_error));
    XcbError error(raw_error);
    if (!reply) {
        display_->check_alive();
        throw Error("MIT-SHM GetImage of " + region_text(region_) + " on display '" +
                    display_->name() + "' failed (X error " +
                    std::to_string(error ? error->error_code : 0) + ")");
    }
}

// Screen resizes and monitor changes arrive as RandR events.
void Grabber::watch_layout() {
    xcb_connection_t *conn = display_->xcb();
    if (!display_->has_randr15())
        return;
    randr_first_event_ = xcb_get_extension_data(conn, &xcb_randr_id)->first_event;
    xcb_randr_select_input(conn, display_->screen()->root,
                           XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE | XCB_RANDR_NOTIFY_MASK_CRTC_CHANGE |
                               XCB_RANDR_NOTIFY_MASK_OUTPUT_CHANGE);
}

bool Grabber::is_layout_event(const xcb_generic_event_t *event) const {
    const uint8_t type = event->response_type & 0x7f;
    return randr_first_event_ != 0 && (type == randr_first_event_ + XCB_RANDR_SCREEN_CHANGE_NOTIFY ||
                                       type == randr_first_event_ + XCB_RANDR_NOTIFY);
}

// One reader of the event queue, since damage, cursor and RandR events share it.
void Grabber::drain_events() {
    display_->check_alive();
    while (xcb_generic_event_t *event = xcb_poll_for_event(display_->xcb())) {
        if (is_layout_event(event) || window_changed(event))
            layout_changed_ = true;
        else if (!(damage_ && damage_->handle_event(event)) && cursor_)
            cursor_->handle_event(event);
        std::free(event);
    }
    display_->check_alive();
}

bool Grabber::monitor_moved() {
    const auto now = std::chrono::steady_clock::now();
    if (monitor_spec_.empty() || now - monitor_checked_ < std::chrono::seconds(1))
        return false;
    monitor_checked_ = now;
    const auto monitors = list_monitors(*display_);
    try {
        const Monitor &m = find_monitor(monitors, monitor_spec_, display_->name());
        return m.x != monitor_area_.x || m.y != monitor_area_.y ||
               m.width != monitor_area_.width || m.height != monitor_area_.height;
    } catch (const MonitorNotFound &) {
        return true;
    }
}

// The captured window moved, changed size, went away or was hidden.
bool Grabber::window_changed(const xcb_generic_event_t *event) const {
    if (window_ == 0)
        return false;
    switch (event->response_type & 0x7f) {
    case XCB_CONFIGURE_NOTIFY: {
        const auto *e = reinterpret_cast<const xcb_configure_notify_event_t *>(event);
        return e->window == window_ &&
               (e->x != window_x_ || e->y != window_y_ || e->width != window_width_ ||
                e->height != window_height_);
    }
    case XCB_DESTROY_NOTIFY:
        return reinterpret_cast<const xcb_destroy_notify_event_t *>(event)->window == window_;
    case XCB_UNMAP_NOTIFY:
        return reinterpret_cast<const xcb_unmap_notify_event_t *>(event)->window == window_;
    default:
        return false;
    }
}

bool Grabber::layout_changed() {
    drain_events();
    if (!layout_changed_ && monitor_moved())
        layout_changed_ = true;
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
    capture_into_segment(slot.segment_id());
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
    auto bands = damage_->bands_since(slot.content_generation());
    if (bands && slot.cursor_band()) {
        bands->push_back(*slot.cursor_band());
        *bands = merge_bands(std::move(*bands));
    }
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
    return rows * 4 > std::size_t(region_.height) * 3;
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
            conn, source_, int16_t(region_.x), int16_t(region_.y + int(band.y)),
            uint16_t(region_.width), uint16_t(band.height), ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP,
            slot.segment_id(), uint32_t(band.y * stride_)));
        rows += band.height;
    }
    pending_collect_ = damage_->request_collect();
    std::string failure;
    for (auto cookie : cookies) {
        xcb_generic_error_t *raw_error = nullptr;
        XcbReply<xcb_shm_get_image_reply_t> reply(xcb_shm_get_image_reply(conn, cookie, &raw_error));
        XcbError error(raw_error);
        if (!reply && failure.empty())
            failure = "X error " + std::to_string(error ? error->error_code : 0);
    }
    if (!failure.empty()) {
        damage_->receive_collect(pending_collect_);
        display_->check_alive();
        throw Error("MIT-SHM GetImage of changed rows of " + region_text(region_) +
                    " on display '" + display_->name() + "' failed (" + failure + ")");
    }
    return rows * stride_;
}

std::unique_ptr<FrameMemory> Grabber::capture_get_image(CaptureResult *result) {
    drain_events();
    CaptureResult captured{frame_size(), true, {}};
    // Taken before the image: a change racing it only costs one more frame.
    if (damage_)
        captured.state.generation = damage_->current();
    send_cursor_query();
    xcb_connection_t *conn = display_->xcb();
    auto cookie = xcb_get_image(conn, XCB_IMAGE_FORMAT_Z_PIXMAP, source_,
                                int16_t(region_.x), int16_t(region_.y), uint16_t(region_.width),
                                uint16_t(region_.height), ~0u);
    xcb_generic_error_t *raw_error = nullptr;
    XcbReply<xcb_get_image_reply_t> reply(xcb_get_image_reply(conn, cookie, &raw_error));
    XcbError error(raw_error);
    if (!reply) {
        display_->check_alive();
        throw Error("GetImage of " + region_text(region_) + " on display '" + display_->name() +
                    "' failed (X error " + std::to_string(error ? error->error_code : 0) + ")");
    }
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
