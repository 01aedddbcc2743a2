// SPDX-License-Identifier: LGPL-2.1-or-later
#include "open_capture_source.h"

#include "display_connection.h"
#include "monitor_source.h"
#include "screen_source.h"
#include "window_source.h"

namespace xshm {

std::unique_ptr<CaptureSource> open_capture_source(std::shared_ptr<DisplayConnection> display,
                                                   const SourceRequest &request) {
    // xid of the root window is the screen (it has no pixmap of its own to name).
    const bool window = (request.xid != 0 && request.xid != display->screen()->root) ||
                        (request.xid == 0 && !request.xname.empty());
    if (window)
        return open_window_source(std::move(display), request);
    if (!request.monitor.empty())
        return open_monitor_source(std::move(display), request);
    return open_screen_source(std::move(display), request);
}

} // namespace xshm
