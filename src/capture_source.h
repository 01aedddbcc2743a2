// SPDX-License-Identifier: LGPL-2.1-or-later
// What is captured, as users name it: the screen, a monitor or a window.
// A source knows where its pixels are (the drawable and the region in it),
// where that is on the screen (for the pointer), what damage is tracked on,
// and whether an event moved, showed or ended it (look for it again). The grabber captures
// whatever source it is given; open_capture_source.h picks which.
#pragma once

#include <cstdint>
#include <string>

#include <xcb/xcb.h>

#include "pixel_format.h"
#include "region.h"

namespace xshm {

// What to capture, as users name it (how to capture is the grabber's concern).
struct SourceRequest {
    std::string display_name; // empty: $DISPLAY
    // Empty: the whole X screen. Else "primary", a RandR monitor or output
    // name, or an index; `region` then applies inside that monitor.
    std::string monitor;
    // A window instead (ximagesrc's xid / xname): its own contents where the
    // server has Composite, else what is visible of it.
    uint32_t xid = 0;
    std::string xname;
    RegionRequest region;
};

class CaptureSource {
public:
    virtual ~CaptureSource() = default;

    xcb_drawable_t drawable() const { return drawable_; }
    const Region &region() const { return region_; }           // in the drawable
    const Region &screen_area() const { return screen_area_; } // on the screen
    xcb_drawable_t damage_drawable() const { return damage_drawable_; }
    const Region &damage_area() const { return damage_area_; } // in damage's coordinates
    const PixelFormat &format() const { return format_; }
    const std::string &description() const { return description_; }
    // Non-empty when less than asked is captured, or capture waits.
    const std::string &caveat() const { return caveat_; }
    bool shown() const { return shown_; }
    // Its pixels were just made (a window's own pixmap): parts that were off
    // the screen or covered hold nothing until the application draws them.
    bool needs_repaint() const { return needs_repaint_; }
    // The window captured, or 0 for the screen and monitors.
    virtual xcb_window_t window() const { return 0; }

    // For every event read from the connection. True: it moved, changed,
    // went away or was shown again (maybe elsewhere): look for it again.
    virtual bool handle_event(const xcb_generic_event_t *event) = 0;
    // Looked at before each frame, for what sends no event (monitor edits);
    // true as for handle_event.
    virtual bool poll() { return false; }

protected:
    xcb_drawable_t drawable_ = 0;
    Region region_;
    Region screen_area_;
    xcb_drawable_t damage_drawable_ = 0;
    Region damage_area_;
    PixelFormat format_;
    std::string description_;
    std::string caveat_;
    bool shown_ = true;
    bool needs_repaint_ = false;
};

} // namespace xshm
