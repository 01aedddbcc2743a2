// SPDX-License-Identifier: LGPL-2.1-or-later
// The whole screen (or a region of it), and what a monitor (monitor_source)
// shares with it: an area of the root window that follows RandR's layout changes.
#pragma once

#include <memory>
#include <string>

#include "capture_source.h"
#include "randr_watch.h"

namespace xshm {

class DisplayConnection;

// An area of the root window (the screen, or a monitor on it), followed
// through RandR.
class ScreenAreaSource : public CaptureSource {
public:
    bool handle_event(const xcb_generic_event_t *event) override;

protected:
    explicit ScreenAreaSource(DisplayConnection &display) : watch_(display) {}
    // Captures `request` within `area` (on the screen), which `where` names
    // in errors and `description` in the log. Throws Error.
    void capture_area(DisplayConnection &display, const RegionRequest &request, const Region &area,
                      const std::string &where, const std::string &description);

private:
    RandrWatch watch_;
};

std::unique_ptr<CaptureSource> open_screen_source(std::shared_ptr<DisplayConnection> display,
                                                  const SourceRequest &request);

} // namespace xshm
