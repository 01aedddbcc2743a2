// SPDX-License-Identifier: LGPL-2.1-or-later
// RandR's news of a changed screen size or monitor layout (screens and
// monitors follow it; a window does not care).
#pragma once

#include <xcb/xcb.h>

namespace xshm {

class DisplayConnection;

class RandrWatch {
public:
    // Asks for the events (nothing when the server lacks RandR 1.5).
    explicit RandrWatch(DisplayConnection &display);
    bool is_layout_event(const xcb_generic_event_t *event) const;

private:
    uint8_t first_event_ = 0; // 0: not watching
};

} // namespace xshm
