// Defines RandR monitors on a test's Xvfb with xrandr (x11-xserver-utils).
#pragma once

#include <string>

namespace xshm_test {

// A monitor `name` at x,y of w x h pixels, on no output.
void define_monitor(const std::string &display, const std::string &name, int x, int y,
                    unsigned w, unsigned h);
// Makes the server's output "screen" primary (and so its automatic monitor).
void make_output_primary(const std::string &display);

} // namespace xshm_test
