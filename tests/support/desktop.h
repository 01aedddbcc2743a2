// SPDX-License-Identifier: LGPL-2.1-or-later
// A real desktop for window tests: openbox as window manager, and picom as
// compositor when asked, started on a test's display and stopped with it.
#pragma once

#include <memory>
#include <string>

#include "child_process.h"

namespace xshm_test {

class Desktop {
public:
    explicit Desktop(const std::string &display, bool compositor = false);
    ~Desktop();

private:
    std::unique_ptr<ChildProcess> window_manager_, compositor_;
};

// xdotool on `display` with `arguments` (e.g. "windowminimize 0x200001").
void xdotool(const std::string &display, const std::string &arguments);

} // namespace xshm_test
