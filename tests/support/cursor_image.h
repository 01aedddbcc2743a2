// SPDX-License-Identifier: LGPL-2.1-or-later
// The X server's current cursor image and the screen as a frame drawing it
// must look.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "screen_painter.h"

namespace xshm_test {

struct CursorImage {
    int width = 0, height = 0, xhot = 0, yhot = 0;
    std::vector<uint32_t> argb; // premultiplied
};

// Reads it with XFixes (fails the test when it cannot).
CursorImage read_cursor(const std::string &display);

// The painted screen with the cursor composited at pointer px,py (BGRx rows).
std::vector<uint8_t> with_cursor(const ScreenPainter &p, const CursorImage &cursor, int px, int py);

} // namespace xshm_test
