// SPDX-License-Identifier: LGPL-2.1-or-later
#include "test_window.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <glib.h>

#include "screen_painter.h"

namespace xshm_test {

namespace {

xcb_visualid_t argb_visual(xcb_screen_t *screen) {
    for (auto d = xcb_screen_allowed_depths_iterator(screen); d.rem > 0; xcb_depth_next(&d))
        if (d.data->depth == 32)
            for (auto v = xcb_depth_visuals_iterator(d.data); v.rem > 0; xcb_visualtype_next(&v))
                if (v.data->_class == XCB_VISUAL_CLASS_TRUE_COLOR)
                    return v.data->visual_id;
    throw std::runtime_error("the X server has no 32-bit visual");
}

xcb_atom_t atom(xcb_connection_t *conn, const char *name) {
    auto *reply = xcb_intern_atom_reply(
        conn, xcb_intern_atom(conn, 0, uint16_t(std::strlen(name)), name), nullptr);
    const xcb_atom_t a = reply ? reply->atom : 0;
    std::free(reply);
    return a;
}

} // namespace

TestWindow::TestWindow(const std::string &display, const std::string &title, int x, int y,
                       unsigned w, unsigned h, const WindowLook &look)
    : width_(w), height_(h), argb_(look.argb) {
    conn_ = xcb_connect(display.c_str(), nullptr);
    if (xcb_connection_has_error(conn_))
        throw std::runtime_error("cannot open " + display);
    xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(conn_)).data;
    depth_ = look.argb ? 32 : screen->root_depth;
    window_ = xcb_generate_id(conn_);
    xcb_visualid_t visual = screen->root_visual;
    std::vector<uint32_t> values = {screen->black_pixel, screen->black_pixel};
    uint32_t mask = XCB_CW_BACK_PIXEL | XCB_CW_BORDER_PIXEL;
    if (look.argb) { // a visual of its own needs a colormap of its own
        visual = argb_visual(screen);
        const xcb_colormap_t colormap = xcb_generate_id(conn_);
        xcb_create_colormap(conn_, XCB_COLORMAP_ALLOC_NONE, colormap, screen->root, visual);
        values = {0, 0, colormap};
        mask |= XCB_CW_COLORMAP;
    }
    xcb_create_window(conn_, uint8_t(depth_), window_, screen->root, int16_t(x), int16_t(y),
                      uint16_t(w), uint16_t(h), uint16_t(look.border),
                      XCB_WINDOW_CLASS_INPUT_OUTPUT, visual, mask, values.data());
    set_title(title);
    if (!look.wm_class.empty())
        xcb_change_property(conn_, XCB_PROP_MODE_REPLACE, window_, XCB_ATOM_WM_CLASS,
                            XCB_ATOM_STRING, 8, uint32_t(look.wm_class.size()),
                            look.wm_class.c_str());
    gc_ = xcb_generate_id(conn_);
    xcb_create_gc(conn_, gc_, window_, 0, nullptr);
    xcb_map_window(conn_, window_);
    sync();
}

TestWindow::~TestWindow() { xcb_disconnect(conn_); }

void TestWindow::sync() {
    std::free(xcb_get_input_focus_reply(conn_, xcb_get_input_focus(conn_), nullptr));
}

void TestWindow::paint(uint32_t seed) { paint_rows(seed, 0, height_); }

void TestWindow::paint_rows(uint32_t seed, unsigned y0, unsigned y1) {
    model_.resize(std::size_t(width_) * height_ * 4, 0);
    for (unsigned y = y0; y < y1; ++y)
        for (unsigned x = 0; x < width_; ++x) {
            uint32_t v = ScreenPainter::pattern_pixel(x, y, seed, 24);
            if (argb_) // premultiplied, half transparent: alpha survives as written
                v = 0x80000000u | ((v >> 1) & 0x7f7f7f);
            std::memcpy(&model_[(std::size_t(y) * width_ + x) * 4], &v, 4);
        }
    // Row by row: small requests, no padding question (4-byte pixels).
    for (unsigned y = y0; y < y1; ++y)
        xcb_put_image(conn_, XCB_IMAGE_FORMAT_Z_PIXMAP, window_, gc_, uint16_t(width_), 1, 0,
                      int16_t(y), 0, uint8_t(depth_), width_ * 4,
                      &model_[std::size_t(y) * width_ * 4]);
    sync();
}

void TestWindow::wait_until_managed() {
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(conn_)).data->root;
    for (int i = 0; i < 200; ++i) {
        auto *tree = xcb_query_tree_reply(conn_, xcb_query_tree(conn_, window_), nullptr);
        auto *attrs = xcb_get_window_attributes_reply(
            conn_, xcb_get_window_attributes(conn_, window_), nullptr);
        const bool framed = tree && tree->parent != root;
        const bool viewable = attrs && attrs->map_state == XCB_MAP_STATE_VIEWABLE;
        std::free(tree);
        std::free(attrs);
        if (framed && viewable) {
            g_usleep(100000); // let it finish placing and drawing the frame
            return;
        }
        g_usleep(10000);
    }
    auto *tree = xcb_query_tree_reply(conn_, xcb_query_tree(conn_, window_), nullptr);
    auto *attrs =
        xcb_get_window_attributes_reply(conn_, xcb_get_window_attributes(conn_, window_), nullptr);
    const std::string state = "parent " + std::to_string(tree ? tree->parent : 0) + " (root " +
                              std::to_string(root) + "), map state " +
                              std::to_string(attrs ? attrs->map_state : -1);
    std::free(tree);
    std::free(attrs);
    throw std::runtime_error("the window manager did not frame and show the window: " + state);
}

void TestWindow::set_title(const std::string &utf8) {
    xcb_change_property(conn_, XCB_PROP_MODE_REPLACE, window_, atom(conn_, "_NET_WM_NAME"),
                        atom(conn_, "UTF8_STRING"), 8, uint32_t(utf8.size()), utf8.c_str());
    xcb_change_property(conn_, XCB_PROP_MODE_REPLACE, window_, XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8,
                        uint32_t(utf8.size()), utf8.c_str());
    sync();
}

void TestWindow::set_wm_name_only(const std::string &bytes) {
    xcb_delete_property(conn_, window_, atom(conn_, "_NET_WM_NAME"));
    xcb_change_property(conn_, XCB_PROP_MODE_REPLACE, window_, XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8,
                        uint32_t(bytes.size()), bytes.c_str());
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
