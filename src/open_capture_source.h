// SPDX-License-Identifier: LGPL-2.1-or-later
// Picks the source a request names: the one place that knows every kind of
// source, so the grabber and the sources need not know each other.
#pragma once

#include <memory>

#include "capture_source.h"

namespace xshm {

class DisplayConnection;

// Finds what `request` asks for (a window, a monitor, else the screen, with
// its region). Throws Error, MonitorNotFound or WindowNotFound naming it.
std::unique_ptr<CaptureSource> open_capture_source(std::shared_ptr<DisplayConnection> display,
                                                   const SourceRequest &request);

} // namespace xshm
