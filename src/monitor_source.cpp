// SPDX-License-Identifier: LGPL-2.1-or-later
#include <chrono>

#include "display_connection.h"
#include "error.h"
#include "grabber.h"
#include "monitor_lookup.h"
#include "randr_watch.h"
#include "screen_source.h"

namespace xshm {
namespace {

// Monitor edits (xrandr --setmonitor/--delmonitor) send no event, so a
// captured monitor is also looked up again once a second.
class MonitorSource : public CaptureSource {
public:
    MonitorSource(std::shared_ptr<DisplayConnection> display, const GrabberOptions &options)
        : display_(std::move(display)), watch_(*display_), spec_(options.monitor) {
        const auto monitors = list_monitors(*display_);
        std::string note;
        const Monitor &monitor = find_monitor(monitors, spec_, display_->name(), &note);
        area_ = {monitor.x, monitor.y, monitor.width, monitor.height};
        locate(monitor, options.region);
        caveat_ = note;
        checked_ = std::chrono::steady_clock::now();
    }

    SourceChange handle_event(const xcb_generic_event_t *event) override {
        return watch_.is_layout_event(event) ? SourceChange::Moved : SourceChange::None;
    }

    SourceChange poll() override {
        const auto now = std::chrono::steady_clock::now();
        if (now - checked_ < std::chrono::seconds(1))
            return SourceChange::None;
        checked_ = now;
        const auto monitors = list_monitors(*display_);
        try {
            const Monitor &m = find_monitor(monitors, spec_, display_->name());
            const Region here{m.x, m.y, m.width, m.height};
            return here.text() == area_.text() ? SourceChange::None : SourceChange::Moved;
        } catch (const MonitorNotFound &) {
            return SourceChange::Moved; // looking again says it is gone
        }
    }

private:
    void locate(const Monitor &monitor, const RegionRequest &request) {
        const xcb_screen_t *screen = display_->screen();
        const std::string where =
            "monitor " + monitor.describe() + " on display '" + display_->name() + "'";
        try {
            region_ = resolve_region(request, monitor.width, monitor.height);
        } catch (const Error &e) {
            throw Error(std::string(e.what()) + " of " + where);
        }
        region_.x += monitor.x;
        region_.y += monitor.y;
        if (region_.x < 0 || region_.y < 0 || region_.x + region_.width > screen->width_in_pixels ||
            region_.y + region_.height > screen->height_in_pixels)
            throw Error(where + " reaches outside the " +
                        Region{0, 0, screen->width_in_pixels, screen->height_in_pixels}.text() +
                        " screen");
        check_addressable(screen->width_in_pixels, screen->height_in_pixels,
                          "the screen of display '" + display_->name() + "'");
        drawable_ = damage_drawable_ = screen->root;
        screen_area_ = damage_area_ = region_;
        format_ = describe_pixel_format(display_->setup(), screen);
        description_ = "monitor " + monitor.describe();
    }

    std::shared_ptr<DisplayConnection> display_;
    RandrWatch watch_;
    std::string spec_;
    Region area_; // the monitor's, to notice a move
    std::chrono::steady_clock::time_point checked_;
};

} // namespace

std::unique_ptr<CaptureSource> open_monitor_source(std::shared_ptr<DisplayConnection> display,
                                                   const GrabberOptions &options) {
    return std::make_unique<MonitorSource>(std::move(display), options);
}

} // namespace xshm
