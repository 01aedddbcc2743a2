// SPDX-License-Identifier: LGPL-2.1-or-later
#include "window_source.h"

#include <algorithm>

#include <xcb/composite.h>

#include "display_connection.h"
#include "error.h"
#include "window_lookup.h"

namespace xshm {
namespace {

class WindowSource : public CaptureSource {
public:
    WindowSource(std::shared_ptr<DisplayConnection> display, const SourceRequest &request)
        : display_(std::move(display)) {
        const WindowInfo w = find_window(*display_, request.xid, request.xname);
        const std::string where =
            "window " + w.describe() + " on display '" + display_->name() + "'";
        Region inside;
        try {
            inside = resolve_region(request.region, w.width, w.height);
        } catch (const Error &e) {
            throw Error(std::string(e.what()) + " of " + where);
        }
        window_ = w.id;
        geometry_ = {w.parent_x, w.parent_y, w.width, w.height};
        // Moves, resizes, (un)mapping and the end arrive as structure events.
        const uint32_t mask = XCB_EVENT_MASK_STRUCTURE_NOTIFY;
        xcb_change_window_attributes(display_->xcb(), w.id, XCB_CW_EVENT_MASK, &mask);
        screen_area_ = {w.root_x + inside.x, w.root_y + inside.y, inside.width, inside.height};
        format_ = describe_pixel_format(display_->setup(), display_->screen());
        shown_ = w.shown;
        if (!shown_) {
            wait_for(w, inside);
            return;
        }
        if (!use_pixmap(w, inside))
            use_screen(w, inside);
    }

    ~WindowSource() override {
        if (pixmap_ != 0)
            display_->send_if_open(
                [this](xcb_connection_t *conn) { xcb_free_pixmap(conn, pixmap_); });
    }

    bool handle_event(const xcb_generic_event_t *event) override {
        switch (DisplayConnection::event_type(event)) {
        case XCB_CONFIGURE_NOTIFY: {
            const auto *e = reinterpret_cast<const xcb_configure_notify_event_t *>(event);
            const Region now{e->x, e->y, e->width, e->height};
            return e->window == window_ && now != geometry_;
        }
        case XCB_DESTROY_NOTIFY: // looking again says it is gone
            return reinterpret_cast<const xcb_destroy_notify_event_t *>(event)->window == window_;
        case XCB_UNMAP_NOTIFY: // minimized or unmapped: nothing to capture until shown
            if (reinterpret_cast<const xcb_unmap_notify_event_t *>(event)->window == window_)
                shown_ = false;
            return false;
        case XCB_MAP_NOTIFY: // shown again, maybe elsewhere
            return reinterpret_cast<const xcb_map_notify_event_t *>(event)->window == window_;
        default: return false;
        }
    }

    xcb_window_t window() const override { return window_; }

private:
    // Its own pixmap: what it draws, whether covered or off the screen. An
    // ARGB window (depth 32) keeps its alpha: BGRA.
    bool use_pixmap(const WindowInfo &w, const Region &inside) {
        xcb_connection_t *conn = display_->xcb();
        const bool argb = w.depth == 32;
        if (!display_->has_composite() || (w.depth != display_->screen()->root_depth && !argb))
            return false;
        xcb_composite_redirect_window(conn, w.id, XCB_COMPOSITE_REDIRECT_AUTOMATIC);
        pixmap_ = xcb_generate_id(conn);
        if (display_->checked(xcb_composite_name_window_pixmap_checked(conn, w.id, pixmap_),
                              "Composite NameWindowPixmap")) {
            pixmap_ = 0;
            xcb_composite_unredirect_window(conn, w.id, XCB_COMPOSITE_REDIRECT_AUTOMATIC);
            return false;
        }
        if (argb)
            format_ =
                describe_pixel_format(display_->setup(), display_->screen(), w.depth, w.visual);
        drawable_ = pixmap_;
        // The pixmap includes the border; damage comes in the window's interior coordinates.
        region_ = {inside.x + int(w.border), inside.y + int(w.border), inside.width, inside.height};
        damage_drawable_ = w.id;
        damage_area_ = inside;
        description_ = "window " + w.describe() + " (its own contents, Composite)";
        needs_repaint_ = true;
        return true;
    }

    // Without Composite: what the screen shows there, clipped to the screen.
    void use_screen(const WindowInfo &w, const Region &inside) {
        const xcb_screen_t *screen = display_->screen();
        const int x0 = std::max(0, screen_area_.x), y0 = std::max(0, screen_area_.y);
        const int x1 = std::min(int(screen->width_in_pixels), screen_area_.x + int(inside.width));
        const int y1 = std::min(int(screen->height_in_pixels), screen_area_.y + int(inside.height));
        if (x0 >= x1 || y0 >= y1)
            throw WindowNotFound("window " + w.describe() +
                                 " is entirely off the screen of display '" + display_->name() +
                                 "'");
        region_ = screen_area_ = damage_area_ = {x0, y0, unsigned(x1 - x0), unsigned(y1 - y0)};
        drawable_ = damage_drawable_ = screen->root;
        description_ = "window " + w.describe() + " as the screen shows it";
        caveat_ = "X display '" + display_->name() + "' has no Composite: windows covering " +
                  w.describe() + " show in the capture, parts off the screen are left out";
    }

    // Minimized or unmapped: nothing to capture until it is shown.
    void wait_for(const WindowInfo &w, const Region &inside) {
        drawable_ = damage_drawable_ = display_->screen()->root;
        region_ = damage_area_ = {0, 0, inside.width, inside.height};
        description_ = "window " + w.describe();
        caveat_ = "window " + w.describe() +
                  " is not shown (minimized or unmapped): capture "
                  "waits until it is";
    }

    std::shared_ptr<DisplayConnection> display_;
    xcb_window_t window_ = 0;
    xcb_pixmap_t pixmap_ = 0;
    Region geometry_; // as ConfigureNotify reports it, to notice a change
};

} // namespace

std::unique_ptr<CaptureSource> open_window_source(std::shared_ptr<DisplayConnection> display,
                                                  const SourceRequest &request) {
    return std::make_unique<WindowSource>(std::move(display), request);
}

} // namespace xshm
