// SPDX-License-Identifier: LGPL-2.1-or-later
// A window of the test's own, with known contents, to capture with xid/xname.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xcb/xcb.h>

namespace xshm_test {

struct WindowLook {
    unsigned border = 0;
    bool argb = false;    // a 32-bit window with alpha (BGRA)
    std::string wm_class; // "instance\0Class"; none when empty
};

class TestWindow {
public:
    TestWindow(const std::string &display, const std::string &title, int x, int y, unsigned w,
               unsigned h, const WindowLook &look = {});
    ~TestWindow(); // the window goes with the connection

    uint32_t id() const { return window_; }
    unsigned width() const { return width_; }
    unsigned height() const { return height_; }

    // Under a window manager: returns once it framed and showed the window
    // (what was drawn before that is lost, as on any desktop).
    void wait_until_managed();
    // Fills the window with the test pattern of `seed`; returns once drawn.
    void paint(uint32_t seed);
    // Rows [y0, y1) of the pattern of `seed`, the rest as it was.
    void paint_rows(uint32_t seed, unsigned y0, unsigned y1);
    void move(int x, int y);
    void resize(unsigned w, unsigned h);
    void destroy();
    // _NET_WM_NAME (UTF-8) and WM_NAME; or WM_NAME alone, as raw bytes (Latin-1).
    void set_title(const std::string &utf8);
    void set_wm_name_only(const std::string &bytes);
    // The window's contents as painted, rows packed (BGRx).
    std::vector<uint8_t> expected() const { return model_; }

private:
    void sync();
    xcb_connection_t *conn_ = nullptr;
    xcb_window_t window_ = 0;
    xcb_gcontext_t gc_ = 0;
    unsigned width_, height_, depth_ = 0;
    bool argb_ = false;
    std::vector<uint8_t> model_;
};

} // namespace xshm_test
