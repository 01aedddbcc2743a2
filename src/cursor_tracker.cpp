// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cursor_tracker.h"

#include <algorithm>
#include <cstring>

#include "display_connection.h"

namespace xshm {
namespace {

struct Channel {
    unsigned shift = 0, max = 0;
    explicit Channel(uint32_t mask) {
        if (mask == 0)
            return;
        while (!(mask & 1)) {
            mask >>= 1;
            ++shift;
        }
        max = mask;
    }
    unsigned get8(uint32_t pixel) const { return max ? ((pixel >> shift) & max) * 255 / max : 0; }
    uint32_t put8(unsigned value) const { return max ? ((value * max + 127) / 255) << shift : 0; }
    uint32_t mask() const { return max << shift; }
};

bool host_is_big_endian() {
    const uint16_t probe = 1;
    return *reinterpret_cast<const uint8_t *>(&probe) == 0;
}

uint32_t swap_bytes(uint32_t v, unsigned bytes) {
    return bytes == 4 ? __builtin_bswap32(v) : __builtin_bswap16(uint16_t(v));
}

} // namespace

std::unique_ptr<CursorTracker> CursorTracker::create(std::shared_ptr<DisplayConnection> display,
                                                     const PixelFormat &format,
                                                     const Region &region) {
    xcb_connection_t *conn = display->xcb();
    if (!display->has_xfixes2())
        return nullptr;
    const uint8_t first_event = display->first_event(&xcb_xfixes_id);
    std::unique_ptr<CursorTracker> self(new CursorTracker(std::move(display), format, region));
    self->notify_event_ = uint8_t(first_event + XCB_XFIXES_CURSOR_NOTIFY);
    xcb_xfixes_select_cursor_input(conn, self->display_->screen()->root,
                                   XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
    return self;
}

CursorTracker::~CursorTracker() {
    if (position_pending_)
        display_->send_if_open(
            [this](xcb_connection_t *conn) { xcb_discard_reply(conn, position_cookie_.sequence); });
}

bool CursorTracker::handle_event(const xcb_generic_event_t *event) {
    if (DisplayConnection::event_type(event) != notify_event_)
        return false;
    image_stale_ = true;
    return true;
}

void CursorTracker::request_position() {
    if (position_pending_)
        return;
    position_cookie_ = xcb_query_pointer(display_->xcb(), display_->screen()->root);
    position_pending_ = true;
    // On its way now, so the answer is waiting when it is read.
    xcb_flush(display_->xcb());
}

void CursorTracker::discard_position() {
    if (position_pending_)
        xcb_discard_reply(display_->xcb(), position_cookie_.sequence);
    position_pending_ = false;
}

void CursorTracker::receive_position() {
    if (!position_pending_)
        request_position();
    position_pending_ = false;
    const auto reply =
        display_->reply(xcb_query_pointer_reply, position_cookie_, "querying the pointer position");
    pointer_on_screen_ = reply->same_screen != 0;
    pointer_x_ = reply->root_x;
    pointer_y_ = reply->root_y;
    if (image_stale_)
        fetch_image();

    CursorState s;
    s.x = pointer_x_ - xhot_ - region_.x;
    s.y = pointer_y_ - yhot_ - region_.y;
    s.serial = serial_;
    s.visible = pointer_on_screen_ && !pixels_.empty() && s.x < int(region_.width) &&
                s.y < int(region_.height) && s.x + int(width_) > 0 && s.y + int(height_) > 0;
    state_ = s;
}

void CursorTracker::fetch_image() {
    xcb_connection_t *conn = display_->xcb();
    const auto reply =
        display_->reply(xcb_xfixes_get_cursor_image_reply, xcb_xfixes_get_cursor_image(conn),
                        "fetching the cursor image");
    ++image_fetches_;
    image_stale_ = false;
    width_ = reply->width;
    height_ = reply->height;
    xhot_ = reply->xhot;
    yhot_ = reply->yhot;
    serial_ = reply->cursor_serial;
    const uint32_t *data = xcb_xfixes_get_cursor_image_cursor_image(reply.get());
    pixels_.assign(data, data + std::size_t(width_) * height_);
}

std::optional<RowBand> CursorTracker::draw(uint8_t *frame, std::size_t stride) const {
    if (!state_.visible)
        return std::nullopt;
    const int x0 = std::max(0, state_.x), y0 = std::max(0, state_.y);
    const int x1 = std::min(int(region_.width), state_.x + int(width_));
    const int y1 = std::min(int(region_.height), state_.y + int(height_));
    const unsigned bpp = unsigned(format_.bytes_per_pixel());
    const bool swap = format_.msb_first != host_is_big_endian();
    const Channel red(format_.red_mask), green(format_.green_mask), blue(format_.blue_mask);
    const uint32_t keep = ~(red.mask() | green.mask() | blue.mask());
    for (int y = y0; y < y1; ++y) {
        uint8_t *row = frame + std::size_t(y) * stride;
        const uint32_t *src = &pixels_[std::size_t(y - state_.y) * width_];
        for (int x = x0; x < x1; ++x) {
            const uint32_t argb = src[x - state_.x];
            const unsigned alpha = argb >> 24;
            if (alpha == 0)
                continue;
            uint8_t *p = row + std::size_t(x) * bpp;
            uint32_t dst = 0;
            std::memcpy(&dst, p, bpp);
            if (swap)
                dst = swap_bytes(dst, bpp);
            // XFixes pixels are premultiplied: out = src + dst * (1 - alpha).
            auto over = [&](unsigned s, unsigned d) { return s + d * (255 - alpha) / 255; };
            uint32_t out = (dst & keep) | red.put8(over((argb >> 16) & 0xff, red.get8(dst))) |
                           green.put8(over((argb >> 8) & 0xff, green.get8(dst))) |
                           blue.put8(over(argb & 0xff, blue.get8(dst)));
            if (swap)
                out = swap_bytes(out, bpp);
            std::memcpy(p, &out, bpp);
        }
    }
    if (y0 >= y1 || x0 >= x1)
        return std::nullopt;
    return RowBand{unsigned(y0), unsigned(y1 - y0)};
}

} // namespace xshm
