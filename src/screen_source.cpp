// SPDX-License-Identifier: LGPL-2.1-or-later
#include "screen_source.h"

#include "display_connection.h"
#include "error.h"
#include "grabber.h"
#include "randr_watch.h"

namespace xshm {
namespace {

class ScreenSource : public CaptureSource {
public:
    ScreenSource(DisplayConnection &display, const GrabberOptions &options) : watch_(display) {
        const xcb_screen_t *screen = display.screen();
        const std::string where = "display '" + display.name() + "'";
        try {
            region_ =
                resolve_region(options.region, screen->width_in_pixels, screen->height_in_pixels);
        } catch (const Error &e) {
            throw Error(std::string(e.what()) + " of " + where);
        }
        check_addressable(screen->width_in_pixels, screen->height_in_pixels,
                          "the screen of " + where);
        drawable_ = damage_drawable_ = screen->root;
        screen_area_ = damage_area_ = region_;
        format_ = describe_pixel_format(display.setup(), display.screen());
        description_ = "the screen";
    }

    SourceChange handle_event(const xcb_generic_event_t *event) override {
        return watch_.is_layout_event(event) ? SourceChange::Moved : SourceChange::None;
    }

private:
    RandrWatch watch_;
};

} // namespace

std::unique_ptr<CaptureSource> open_screen_source(std::shared_ptr<DisplayConnection> display,
                                                  const GrabberOptions &options) {
    return std::make_unique<ScreenSource>(*display, options);
}

} // namespace xshm
