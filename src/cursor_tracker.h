// SPDX-License-Identifier: LGPL-2.1-or-later
// The mouse pointer drawn into captured frames. The image is fetched only
// when XFixes says it changed; the position is asked for with the frame's own
// requests, so it costs no extra round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <xcb/xfixes.h>

#include "pixel_format.h"
#include "region.h"

namespace xshm {

class DisplayConnection;

// What a frame shows of the pointer: frames with equal states look the same.
struct CursorState {
    bool visible = false;
    int x = 0, y = 0; // the image's top-left corner, relative to the region
    uint32_t serial = 0;
    bool operator==(const CursorState &o) const {
        return visible == o.visible && (!visible || (x == o.x && y == o.y && serial == o.serial));
    }
    bool operator!=(const CursorState &o) const { return !(*this == o); }
};

class CursorTracker {
public:
    // Null when the server lacks XFIXES 2.
    static std::unique_ptr<CursorTracker> create(std::shared_ptr<DisplayConnection> display,
                                                 const PixelFormat &format, const Region &region);
    ~CursorTracker();

    // True for the XFixes CursorNotify event (the image changed).
    bool handle_event(const xcb_generic_event_t *event);

    // Sends a pointer query; the answer is read by receive_position().
    void request_position();
    // Reads the pending answer (and fetches the image if it changed).
    void receive_position();
    // Drops a query whose answer is no longer wanted.
    void discard_position();
    const CursorState &state() const { return state_; }

    // Blends the cursor into `frame`, clipped to the region; returns the rows
    // it touched (they must be refetched before the slot shows another frame).
    std::optional<RowBand> draw(uint8_t *frame, std::size_t stride) const;

    uint64_t image_fetches() const { return image_fetches_; }
    // The current image (premultiplied ARGB, width x height), for overlays.
    unsigned width() const { return width_; }
    unsigned height() const { return height_; }
    const std::vector<uint32_t> &pixels() const { return pixels_; }

private:
    CursorTracker(std::shared_ptr<DisplayConnection> display, const PixelFormat &format,
                  const Region &region)
        : display_(std::move(display)), format_(format), region_(region) {}
    void fetch_image();

    std::shared_ptr<DisplayConnection> display_;
    PixelFormat format_;
    Region region_;
    uint8_t notify_event_ = 0;
    bool image_stale_ = true;
    bool position_pending_ = false;
    xcb_query_pointer_cookie_t position_cookie_{};
    int pointer_x_ = 0, pointer_y_ = 0;
    bool pointer_on_screen_ = false;

    uint16_t width_ = 0, height_ = 0, xhot_ = 0, yhot_ = 0;
    uint32_t serial_ = 0;
    std::vector<uint32_t> pixels_; // premultiplied ARGB
    CursorState state_;
    uint64_t image_fetches_ = 0;
};

} // namespace xshm
