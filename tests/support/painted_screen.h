// SPDX-License-Identifier: LGPL-2.1-or-later
// The usual start of a capture test: a private Xvfb covered with a known
// pattern, which also knows the pixels a capture must equal.
#pragma once

#include <cstdint>

#include "screen_painter.h"
#include "xvfb_server.h"

namespace xshm_test {

// One colour over the whole screen (0xRRGGBB), instead of the pattern.
struct Solid {
    uint32_t rgb;
};

// Both the server (display(), kill(), ...) and its painter (expected(),
// fill_rect(), ...): pass it where either is wanted.
class PaintedScreen : public XvfbServer, public ScreenPainter {
public:
    PaintedScreen(const XvfbOptions &options, uint32_t seed)
        : XvfbServer(options), ScreenPainter(display()) {
        paint_pattern(seed);
    }
    PaintedScreen(const XvfbOptions &options, Solid colour)
        : XvfbServer(options), ScreenPainter(display()) {
        fill_rect(0, 0, width(), height(), colour.rgb);
        sync();
    }
};

} // namespace xshm_test
