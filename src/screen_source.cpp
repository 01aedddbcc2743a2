// SPDX-License-Identifier: LGPL-2.1-or-later
#include "screen_source.h"

#include "display_connection.h"
#include "error.h"

namespace xshm {

bool ScreenAreaSource::handle_event(const xcb_generic_event_t *event) {
    return watch_.is_layout_event(event);
}

void ScreenAreaSource::capture_area(DisplayConnection &display, const RegionRequest &request,
                                    const Region &area, const std::string &where,
                                    const std::string &description) {
    const xcb_screen_t *screen = display.screen();
    try {
        region_ = resolve_region(request, area.width, area.height);
    } catch (const Error &e) {
        throw Error(std::string(e.what()) + " of " + where);
    }
    region_.x += area.x;
    region_.y += area.y;
    const Region whole{0, 0, screen->width_in_pixels, screen->height_in_pixels};
    if (region_.x < 0 || region_.y < 0 || region_.x + region_.width > whole.width ||
        region_.y + region_.height > whole.height)
        throw Error(where + " reaches outside the " + whole.text() + " screen");
    check_addressable(whole.width, whole.height, "the screen of display '" + display.name() + "'");
    drawable_ = damage_drawable_ = screen->root;
    screen_area_ = damage_area_ = region_;
    format_ = describe_pixel_format(display.setup(), screen);
    description_ = description;
}

namespace {

class ScreenSource : public ScreenAreaSource {
public:
    ScreenSource(DisplayConnection &display, const SourceRequest &request)
        : ScreenAreaSource(display) {
        const xcb_screen_t *screen = display.screen();
        capture_area(display, request.region,
                     {0, 0, screen->width_in_pixels, screen->height_in_pixels},
                     "display '" + display.name() + "'", "the screen");
    }
};

} // namespace

std::unique_ptr<CaptureSource> open_screen_source(std::shared_ptr<DisplayConnection> display,
                                                  const SourceRequest &request) {
    return std::make_unique<ScreenSource>(*display, request);
}

} // namespace xshm
