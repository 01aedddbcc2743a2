// SPDX-License-Identifier: LGPL-2.1-or-later
#include "randr_monitors.h"

#include <cstdlib>
#include <stdexcept>

namespace xshm_test {
void run_xrandr(const std::string &display, const std::string &args, bool check) {
    const std::string command = "xrandr -d " + display + " " + args + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0 && check)
        throw std::runtime_error("failed: " + command);
}

void define_monitor(const std::string &display, const std::string &name, int x, int y, unsigned w,
                    unsigned h) {
    run_xrandr(display, "--setmonitor " + name + " " + std::to_string(w) + "/" +
                            std::to_string(w / 4) + "x" + std::to_string(h) + "/" +
                            std::to_string(h / 4) + "+" + std::to_string(x) + "+" +
                            std::to_string(y) + " none");
}

void make_output_primary(const std::string &display) {
    run_xrandr(display, "--output screen --primary");
}

} // namespace xshm_test
