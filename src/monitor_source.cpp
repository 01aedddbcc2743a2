// SPDX-License-Identifier: LGPL-2.1-or-later
#include "monitor_source.h"

#include <chrono>

#include "display_connection.h"
#include "error.h"
#include "monitor_lookup.h"
#include "screen_source.h"

namespace xshm {
namespace {

// Monitor edits (xrandr --setmonitor/--delmonitor) send no event, so a
// captured monitor is also looked up again once a second.
class MonitorSource : public ScreenAreaSource {
public:
    MonitorSource(std::shared_ptr<DisplayConnection> display, const SourceRequest &request)
        : ScreenAreaSource(*display), display_(std::move(display)), spec_(request.monitor) {
        const auto monitors = list_monitors(*display_);
        std::string note;
        const Monitor &monitor = find_monitor(monitors, spec_, display_->name(), &note);
        area_ = {monitor.x, monitor.y, monitor.width, monitor.height};
        capture_area(*display_, request.region, area_,
                     "monitor " + monitor.describe() + " on display '" + display_->name() + "'",
                     "monitor " + monitor.describe());
        caveat_ = note;
        checked_ = std::chrono::steady_clock::now();
    }

    bool poll() override {
        const auto now = std::chrono::steady_clock::now();
        if (now - checked_ < std::chrono::seconds(1))
            return false;
        checked_ = now;
        const auto monitors = list_monitors(*display_);
        try {
            const Monitor &m = find_monitor(monitors, spec_, display_->name());
            const Region here{m.x, m.y, m.width, m.height};
            return here != area_;
        } catch (const MonitorNotFound &) {
            return true; // looking again says it is gone
        }
    }

private:
    std::shared_ptr<DisplayConnection> display_;
    std::string spec_;
    Region area_; // the monitor's, to notice a move
    std::chrono::steady_clock::time_point checked_;
};

} // namespace

std::unique_ptr<CaptureSource> open_monitor_source(std::shared_ptr<DisplayConnection> display,
                                                   const SourceRequest &request) {
    return std::make_unique<MonitorSource>(std::move(display), request);
}

} // namespace xshm
