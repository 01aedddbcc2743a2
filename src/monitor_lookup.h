// SPDX-License-Identifier: LGPL-2.1-or-later
// The monitors of an X screen (RandR 1.5), and picking one by what a user types:
// "primary", a monitor or output name ("HDMI-1"), or an index.
#pragma once

#include <string>
#include <vector>

namespace xshm {

class DisplayConnection;

struct Monitor {
    std::string name;
    int x = 0, y = 0;
    unsigned width = 0, height = 0;
    bool primary = false;
    std::vector<std::string> outputs;
    std::string describe() const; // "HDMI-1 1920x1080+0+0 (primary)"
};

// Throws xshm::Error when the server lacks RandR 1.5.
std::vector<Monitor> list_monitors(DisplayConnection &display);

// Throws xshm::Error naming `spec` and listing the monitors when none matches.
// "primary" is the monitor marked primary, else the first one (`note` says so).
const Monitor &find_monitor(const std::vector<Monitor> &monitors, const std::string &spec,
                            const std::string &display_name, std::string *note = nullptr);

} // namespace xshm
