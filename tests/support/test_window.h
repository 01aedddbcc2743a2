// A window of the test's own, with known contents, to capture with xid/xname.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xcb/xcb.h>

namespace xshm_test {

class TestWindow {
public:
    TestWindow(const std::string &display, const std::string &title, int x, int y, unsigned w,
               unsigned h);
    ~TestWindow(); // the window goes with the connection

    uint32_t id() const { return window_; }
    unsigned width() const { return width_; }
    unsigned height() const { return height_; }

    // Fills the window with the test pattern of `seed`; returns once drawn.
    void paint(uint32_t seed);
    void move(int x, int y);
    void resize(unsigned w, unsigned h);
    void destroy();
    // The window's contents as painted, rows packed (BGRx).
    std::vector<uint8_t> expected() const { return model_; }

private:
    void sync();
    xcb_connection_t *conn_ = nullptr;
    xcb_window_t window_ = 0;
    xcb_gcontext_t gc_ = 0;
    unsigned width_, height_, depth_ = 0;
    std::vector<uint8_t> model_;
};

} // namespace xshm_test
