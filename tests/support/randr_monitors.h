// SPDX-License-Identifier: LGPL-2.1-or-later
// Defines RandR monitors on a test's Xvfb with xrandr (x11-xserver-utils).
#pragma once

#include <string>

namespace xshm_test {

// A monitor `name` at x,y of w x h pixels, on no output.
void define_monitor(const std::string &display, const std::string &name, int x, int y, unsigned w,
                    unsigned h);
// Runs xrandr on `display` with `args`; `check` fails on a non-zero exit.
void run_xrandr(const std::string &display, const std::string &args, bool check = true);
// Makes the server's output "screen" primary (and so its automatic monitor).
void make_output_primary(const std::string &display);

} // namespace xshm_test
