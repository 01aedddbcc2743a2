// SPDX-License-Identifier: LGPL-2.1-or-later
// The captured rectangle, from ximagesrc-style startx/starty/endx/endy.
#pragma once

#include <string>

namespace xshm {

// Inclusive corners as ximagesrc has them; an end of 0 means "to the edge".
struct RegionRequest {
    unsigned startx = 0, starty = 0, endx = 0, endy = 0;
    std::string describe() const;
};

// Rows [y, y + height) relative to the captured region: a band spans the full
// width, so it is contiguous in a frame and one SHM request lands it in place.
struct RowBand {
    unsigned y = 0;
    unsigned height = 0;
    bool operator==(const RowBand &o) const { return y == o.y && height == o.height; }
};

struct Region {
    int x = 0, y = 0;
    unsigned width = 0, height = 0;
    std::string text() const; // "WxH+X+Y", as X geometry says it
    bool operator==(const Region &o) const {
        return x == o.x && y == o.y && width == o.width && height == o.height;
    }
    bool operator!=(const Region &o) const { return !(*this == o); }
};

// X requests use 16-bit signed coordinates, and a drawable past 32767 pixels
// fails every image request (BadMatch): refused here with the reason, naming
// `what` (e.g. "the screen of display ':0'"). Throws Error.
void check_addressable(unsigned drawable_width, unsigned drawable_height, const std::string &what);

// Throws xshm::Error naming the region and the screen size when the region is
// empty or not wholly on the screen: never a silent full-screen capture.
Region resolve_region(const RegionRequest &request, unsigned screen_width, unsigned screen_height);

} // namespace xshm
