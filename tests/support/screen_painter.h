// SPDX-License-Identifier: LGPL-2.1-or-later
// Draws known pixels on an X screen and remembers them: the expected bytes a
// capture must equal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xcb/xcb.h>

namespace xshm_test {

class ScreenPainter {
public:
    explicit ScreenPainter(const std::string &display);
    ~ScreenPainter();
    ScreenPainter(const ScreenPainter &) = delete;
    ScreenPainter &operator=(const ScreenPainter &) = delete;

    unsigned width() const { return width_; }
    unsigned height() const { return height_; }
    unsigned bytes_per_pixel() const { return bpp_; }

    // Covers the screen with a deterministic pattern chosen by `seed`.
    void paint_pattern(uint32_t seed);
    // A solid rectangle of `pixel` (a value in the screen's pixel format).
    void fill_rect(int x, int y, unsigned w, unsigned h, uint32_t pixel);
    // Moves the pointer to x,y on the screen.
    void warp_pointer(int x, int y);
    // Returns once the server executed everything sent so far.
    void sync();
    // Changes the screen ten times a second for `seconds`: the whole of it
    // (`whole`), or a caret-sized cell where someone types.
    void animate(double seconds, bool whole);

    // Expected bytes of the rectangle, rows packed (width * bytes_per_pixel).
    std::vector<uint8_t> expected(unsigned x, unsigned y, unsigned w, unsigned h) const;
    static uint32_t pattern_pixel(unsigned x, unsigned y, uint32_t seed, unsigned depth);

private:
    void set_pixel(unsigned x, unsigned y, uint32_t value);

    xcb_connection_t *conn_ = nullptr;
    xcb_screen_t *screen_ = nullptr;
    xcb_gcontext_t gc_ = 0;
    unsigned width_ = 0, height_ = 0, bpp_ = 0, depth_ = 0;
    std::vector<uint8_t> model_; // the screen as drawn, rows packed
};

} // namespace xshm_test
