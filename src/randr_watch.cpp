// SPDX-License-Identifier: LGPL-2.1-or-later
#include "randr_watch.h"

#include <xcb/randr.h>

#include "display_connection.h"

namespace xshm {

RandrWatch::RandrWatch(DisplayConnection &display) {
    if (!display.has_randr15())
        return;
    first_event_ = display.first_event(&xcb_randr_id);
    xcb_randr_select_input(display.xcb(), display.screen()->root,
                           XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE | XCB_RANDR_NOTIFY_MASK_CRTC_CHANGE |
                               XCB_RANDR_NOTIFY_MASK_OUTPUT_CHANGE);
}

bool RandrWatch::is_layout_event(const xcb_generic_event_t *event) const {
    const uint8_t type = DisplayConnection::event_type(event);
    return first_event_ != 0 && (type == first_event_ + XCB_RANDR_SCREEN_CHANGE_NOTIFY ||
                                 type == first_event_ + XCB_RANDR_NOTIFY);
}

} // namespace xshm
