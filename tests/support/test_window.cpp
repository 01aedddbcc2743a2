#include "test_window.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "screen_painter.h"

namespace xshm_test {

TestWindow::TestWindow(const std::string &display, const std::string &title, int x, int y,
                       unsigned w, unsigned h)
    : width_(w), height_(h) {
    conn_ = xcb_connect(display.c_str(), nullptr);
    if (xcb_connection_has_error(conn_))
        throw std::runtime_error("cannot open " + display);
    xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(conn_)).data;
    depth_ = screen->root_depth;
    window_ = xcb_generate_id(conn_);
    const uint32_t values[] = {screen->black_pixel};
    xcb_create_window(conn_, XCB_COPY_FROM_PARENT, window_, screen->root, int16_t(x), int16_t(y),
                      uint16_t(w), uint16_t(h), 0, XCB_WINDOW_CLASS_INPUT_OUTPUT,
                      screen->root_visual, XCB_CW_BACK_PIXEL, values);
    xcb_change_property(conn_, XCB_PROP_MODE_REPLACE, window_, XCB_ATOM_WM_NAME, XCB_ATOM_STRING,
                        8, uint32_t(title.size()), title.c_str());
    gc_ = xcb_generate_id(conn_);
    xcb_create_gc(conn_, gc_, window_, 0, nullptr);
    xcb_map_window(conn_, window_);
    sync();
}

TestWindow::~TestWindow() { xcb_disconnect(conn_); }

void TestWindow::sync() {
    std::free(xcb_get_input_focus_reply(conn_, xcb_get_input_focus(conn_), nullptr));
}

void TestWindow::paint(uint32_t seed) {
    model_.assign(std::size_t(width_) * height_ * 4, 0);
    for (unsigned y = 0; y < height_; ++y)
        for (unsigned x = 0; x < width_; ++x) {
            const uint32_t v = ScreenPainter::pattern_pixel(x, y, seed, depth_);
            std::memcpy(&model_[(std::size_t(y) * width_ + x) * 4], &v, 4);
        }
    // Row by row: small requests, no padding question (4-byte pixels).
    for (unsigned y = 0; y < height_; ++y)
        xcb_put_image(conn_, XCB_IMAGE_FORMAT_Z_PIXMAP, window_, gc_, uint16_t(width_), 1, 0,
                      int16_t(y), 0, uint8_t(depth_), width_ * 4,
                      &model_[std::size_t(y) * width_ * 4]);
    sync();
}

void TestWindow::move(int x, int y) {
    const uint32_t values[] = {uint32_t(x), uint32_t(y)};
    xcb_configure_window(conn_, window_, XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y, values);
    sync();
}

void TestWindow::resize(unsigned w, unsigned h) {
    const uint32_t values[] = {w, h};
    xcb_configure_window(conn_, window_, XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT,
                         values);
    width_ = w;
    height_ = h;
    sync();
}

void TestWindow::destroy() {
    xcb_destroy_window(conn_, window_);
    sync();
}

} // namespace xshm_test
