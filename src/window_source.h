// SPDX-License-Identifier: LGPL-2.1-or-later
// A window: its own pixmap through Composite (covered and off-screen parts
// included), else what the screen shows of it. Moves, resizes, minimizing
// (hidden until shown again) and its end arrive as structure events.
#pragma once

#include <memory>

#include "capture_source.h"

namespace xshm {

class DisplayConnection;

std::unique_ptr<CaptureSource> open_window_source(std::shared_ptr<DisplayConnection> display,
                                                  const SourceRequest &request);

} // namespace xshm
