// SPDX-License-Identifier: LGPL-2.1-or-later
#include "screen_painter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <glib.h>

namespace xshm_test {

ScreenPainter::ScreenPainter(const std::string &display) {
    conn_ = xcb_connect(display.c_str(), nullptr);
    if (xcb_connection_has_error(conn_))
        throw std::runtime_error("painter cannot open display " + display);
    screen_ = xcb_setup_roots_iterator(xcb_get_setup(conn_)).data;
    width_ = screen_->width_in_pixels;
    height_ = screen_->height_in_pixels;
    depth_ = screen_->root_depth;
    bpp_ = depth_ > 16 ? 4 : 2;
    model_.assign(std::size_t(width_) * height_ * bpp_, 0);
    gc_ = xcb_generate_id(conn_);
    xcb_create_gc(conn_, gc_, screen_->root, 0, nullptr);
}

ScreenPainter::~ScreenPainter() { xcb_disconnect(conn_); }

uint32_t ScreenPainter::pattern_pixel(unsigned x, unsigned y, uint32_t seed, unsigned depth) {
    uint32_t h = x * 0x9e3779b1u ^ (y + 0x7f4a7c15u) * 0x85ebca6bu ^ seed * 0xc2b2ae35u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 13;
    // Only the bits the depth stores: a 24-bit screen keeps no padding byte.
    return depth > 16 ? (h & 0xffffffu) : depth == 16 ? (h & 0xffffu) : (h & 0x7fffu);
}

void ScreenPainter::set_pixel(unsigned x, unsigned y, uint32_t value) {
    uint8_t *p = &model_[(std::size_t(y) * width_ + x) * bpp_];
    std::memcpy(p, &value, bpp_); // little-endian host and LSB-first server
}

void ScreenPainter::paint_pattern(uint32_t seed) {
    const std::size_t row_bytes = std::size_t(width_) * bpp_;
    for (unsigned y = 0; y < height_; ++y)
        for (unsigned x = 0; x < width_; ++x)
            set_pixel(x, y, pattern_pixel(x, y, seed, depth_));
    // PutImage rows are padded to 32 bits, as the server lays out images.
    const std::size_t padded = (row_bytes + 3) / 4 * 4;
    // Stay well under the maximum request length.
    const std::size_t max_bytes = std::size_t(xcb_get_maximum_request_length(conn_)) * 4 - 64;
    const unsigned rows_per_request = unsigned(std::max<std::size_t>(1, max_bytes / padded));
    std::vector<uint8_t> chunk;
    for (unsigned y = 0; y < height_; y += rows_per_request) {
        const unsigned rows = std::min(rows_per_request, height_ - y);
        chunk.assign(rows * padded, 0);
        for (unsigned r = 0; r < rows; ++r)
            std::memcpy(&chunk[r * padded], &model_[(y + r) * row_bytes], row_bytes);
        xcb_put_image(conn_, XCB_IMAGE_FORMAT_Z_PIXMAP, screen_->root, gc_, uint16_t(width_),
                      uint16_t(rows), 0, int16_t(y), 0, uint8_t(depth_), uint32_t(chunk.size()),
                      chunk.data());
    }
    sync();
}

void ScreenPainter::fill_rect(int x, int y, unsigned w, unsigned h, uint32_t pixel) {
    xcb_change_gc(conn_, gc_, XCB_GC_FOREGROUND, &pixel);
    xcb_rectangle_t rect{int16_t(x), int16_t(y), uint16_t(w), uint16_t(h)};
    xcb_poly_fill_rectangle(conn_, screen_->root, gc_, 1, &rect);
    for (unsigned yy = unsigned(y); yy < unsigned(y) + h && yy < height_; ++yy)
        for (unsigned xx = unsigned(x); xx < unsigned(x) + w && xx < width_; ++xx)
            set_pixel(xx, yy, pixel);
}

void ScreenPainter::warp_pointer(int x, int y) {
    xcb_warp_pointer(conn_, XCB_NONE, screen_->root, 0, 0, 0, 0, int16_t(x), int16_t(y));
    sync();
}

void ScreenPainter::sync() {
    std::free(xcb_get_input_focus_reply(conn_, xcb_get_input_focus(conn_), nullptr));
}

void ScreenPainter::animate(double seconds, bool whole) {
    for (int i = 0; i < int(seconds * 10); ++i) {
        const uint32_t colour = i % 2 ? 0xd04020 : 0x2040d0;
        if (whole)
            fill_rect(0, 0, width_, height_, colour);
        else
            fill_rect(10 + 9 * (i % 30), 20, 8, 12, colour);
        sync();
        g_usleep(100000);
    }
}

std::vector<uint8_t> ScreenPainter::expected(unsigned x, unsigned y, unsigned w, unsigned h) const {
    std::vector<uint8_t> out(std::size_t(w) * h * bpp_);
    for (unsigned row = 0; row < h; ++row)
        std::memcpy(&out[std::size_t(row) * w * bpp_],
                    &model_[((std::size_t(y) + row) * width_ + x) * bpp_], std::size_t(w) * bpp_);
    return out;
}

} // namespace xshm_test
