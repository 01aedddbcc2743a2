// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pixel_format.h"

#include <cstdio>

#include "error.h"

namespace xshm {
namespace {

const xcb_visualtype_t *find_visual(const xcb_screen_t *screen, xcb_visualid_t id) {
    for (auto d = xcb_screen_allowed_depths_iterator(screen); d.rem > 0; xcb_depth_next(&d))
        for (auto v = xcb_depth_visuals_iterator(d.data); v.rem > 0; xcb_visualtype_next(&v))
            if (v.data->visual_id == id)
                return v.data;
    return nullptr;
}

bool host_is_little_endian() {
    const uint16_t probe = 1;
    return *reinterpret_cast<const uint8_t *>(&probe) == 1;
}

// The byte order of a 32-bit pixel in memory, given where red sits in the pixel value.
std::string format_32bpp(const PixelFormat &f) {
    const bool alpha = f.depth == 32;
    const bool red_high = f.red_mask == 0xff0000 && f.green_mask == 0xff00 && f.blue_mask == 0xff;
    const bool red_low = f.red_mask == 0xff && f.green_mask == 0xff00 && f.blue_mask == 0xff0000;
    if (!red_high && !red_low)
        return {};
    if (!f.msb_first)
        return red_high ? (alpha ? "BGRA" : "BGRx") : (alpha ? "RGBA" : "RGBx");
    return red_high ? (alpha ? "ARGB" : "xRGB") : (alpha ? "ABGR" : "xBGR");
}

// GStreamer's 16-bit formats are in host byte order.
std::string format_16bpp(const PixelFormat &f) {
    if (f.msb_first == host_is_little_endian())
        return {};
    if (f.depth == 16 && f.green_mask == 0x07e0) {
        if (f.red_mask == 0xf800 && f.blue_mask == 0x001f)
            return "RGB16";
        if (f.red_mask == 0x001f && f.blue_mask == 0xf800)
            return "BGR16";
    }
    if (f.depth == 15 && f.green_mask == 0x03e0) {
        if (f.red_mask == 0x7c00 && f.blue_mask == 0x001f)
            return "RGB15";
        if (f.red_mask == 0x001f && f.blue_mask == 0x7c00)
            return "BGR15";
    }
    return {};
}

} // namespace

std::size_t PixelFormat::stride(unsigned width) const {
    const std::size_t bits = std::size_t(width) * bits_per_pixel;
    const std::size_t pad = scanline_pad ? scanline_pad : 32;
    return (bits + pad - 1) / pad * pad / 8;
}

std::string PixelFormat::describe() const {
    char text[160];
    std::snprintf(text, sizeof text,
                  "depth %u, %u bits per pixel, masks R=0x%x G=0x%x B=0x%x, %s byte order", depth,
                  bits_per_pixel, red_mask, green_mask, blue_mask,
                  msb_first ? "MSB-first" : "LSB-first");
    return text;
}

PixelFormat describe_pixel_format(const xcb_setup_t *setup, const xcb_screen_t *screen) {
    return describe_pixel_format(setup, screen, screen->root_depth, screen->root_visual);
}

PixelFormat describe_pixel_format(const xcb_setup_t *setup, const xcb_screen_t *screen,
                                  uint8_t depth, xcb_visualid_t visual_id) {
    PixelFormat f;
    f.depth = depth;
    f.msb_first = setup->image_byte_order == XCB_IMAGE_ORDER_MSB_FIRST;
    for (auto it = xcb_setup_pixmap_formats_iterator(setup); it.rem > 0; xcb_format_next(&it)) {
        if (it.data->depth == f.depth) {
            f.bits_per_pixel = it.data->bits_per_pixel;
            f.scanline_pad = it.data->scanline_pad;
        }
    }
    if (const xcb_visualtype_t *visual = find_visual(screen, visual_id)) {
        f.red_mask = visual->red_mask;
        f.green_mask = visual->green_mask;
        f.blue_mask = visual->blue_mask;
    }

    if (f.bits_per_pixel == 32 && (f.depth == 24 || f.depth == 32))
        f.gst_format = format_32bpp(f);
    else if (f.bits_per_pixel == 16 && (f.depth == 16 || f.depth == 15))
        f.gst_format = format_16bpp(f);

    if (f.gst_format.empty())
        throw Error("unsupported screen pixel layout (" + f.describe() +
                    "): xshmsrc handles depth 24/32 at 32 bpp and depth 15/16 at 16 bpp");
    return f;
}

} // namespace xshm
