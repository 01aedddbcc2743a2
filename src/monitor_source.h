// SPDX-License-Identifier: LGPL-2.1-or-later
// A RandR monitor (or a region of it), followed through RandR's layout events
// and looked up again once a second for edits that send none.
#pragma once

#include <memory>

#include "capture_source.h"

namespace xshm {

class DisplayConnection;

std::unique_ptr<CaptureSource> open_monitor_source(std::shared_ptr<DisplayConnection> display,
                                                   const SourceRequest &request);

} // namespace xshm
