// SPDX-License-Identifier: LGPL-2.1-or-later
#include "region.h"

#include <algorithm>

#include "error.h"

namespace xshm {

std::string RegionRequest::describe() const {
    return "startx=" + std::to_string(startx) + " starty=" + std::to_string(starty) +
           " endx=" + std::to_string(endx) + " endy=" + std::to_string(endy);
}

std::string Region::text() const {
    return std::to_string(width) + "x" + std::to_string(height) + (x < 0 ? "" : "+") +
           std::to_string(x) + (y < 0 ? "" : "+") + std::to_string(y);
}

void check_addressable(unsigned width, unsigned height, const std::string &what) {
    constexpr unsigned kLimit = 32767;
    if (width > kLimit || height > kLimit)
        throw Error(what + " is " + std::to_string(width) + "x" + std::to_string(height) +
                    ": X image requests cannot read a drawable wider or taller than 32767 "
                    "pixels (the server answers BadMatch, X error 8)");
}

Region resolve_region(const RegionRequest &request, unsigned screen_width, unsigned screen_height) {
    const unsigned last_x = request.endx ? request.endx : screen_width - 1;
    const unsigned last_y = request.endy ? request.endy : screen_height - 1;
    const std::string screen = std::to_string(screen_width) + "x" + std::to_string(screen_height);

    if (last_x >= screen_width || last_y >= screen_height || request.startx >= screen_width ||
        request.starty >= screen_height)
        throw Error("region " + request.describe() + " is not inside the " + screen +
                    " screen (valid x 0.." + std::to_string(screen_width - 1) + ", y 0.." +
                    std::to_string(screen_height - 1) + ")");
    if (last_x < request.startx || last_y < request.starty)
        throw Error("region " + request.describe() +
                    " is empty: endx/endy lie before startx/starty"
                    " (screen " +
                    screen + ")");

    Region region;
    region.x = int(request.startx);
    region.y = int(request.starty);
    region.width = last_x - request.startx + 1;
    region.height = last_y - request.starty + 1;
    return region;
}

} // namespace xshm
