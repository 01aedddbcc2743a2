// SPDX-License-Identifier: LGPL-2.1-or-later
// Sources on the screen itself: the whole screen (or a region of it), and a
// RandR monitor (or a region of it). Both follow RandR's layout changes.
#pragma once

#include <memory>

#include "capture_source.h"

namespace xshm {

std::unique_ptr<CaptureSource> open_screen_source(std::shared_ptr<DisplayConnection> display,
                                                  const GrabberOptions &options);
std::unique_ptr<CaptureSource> open_monitor_source(std::shared_ptr<DisplayConnection> display,
                                                   const GrabberOptions &options);

} // namespace xshm
