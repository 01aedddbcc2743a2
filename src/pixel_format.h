// SPDX-License-Identifier: LGPL-2.1-or-later
// How the screen stores a pixel, and the GStreamer format name that matches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <xcb/xcb.h>

namespace xshm {

struct PixelFormat {
    std::string gst_format; // "BGRx", "RGB16", ...
    uint8_t depth = 0;
    uint8_t bits_per_pixel = 0;
    uint8_t scanline_pad = 0; // bits
    uint32_t red_mask = 0, green_mask = 0, blue_mask = 0;
    bool msb_first = false;

    std::size_t bytes_per_pixel() const { return bits_per_pixel / 8; }
    // Bytes per row of a ZPixmap image `width` pixels wide, as the server lays it out.
    std::size_t stride(unsigned width) const;
    std::string describe() const;
};

// Throws xshm::Error naming the layout when no GStreamer format matches it.
PixelFormat describe_pixel_format(const xcb_setup_t *setup, const xcb_screen_t *screen);
// The same for a drawable of another depth and visual (an ARGB window: BGRA).
PixelFormat describe_pixel_format(const xcb_setup_t *setup, const xcb_screen_t *screen,
                                  uint8_t depth, xcb_visualid_t visual);

} // namespace xshm
