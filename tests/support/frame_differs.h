// SPDX-License-Identifier: LGPL-2.1-or-later
// A frame of the core (no pipeline) compared with the painted screen, for the
// suites that drive a CaptureSession themselves.
#pragma once

#include <cstring>
#include <string>

#include "frame_memory.h"
#include "support/screen_painter.h"

namespace xshm_test {

// "" when the frame's rows (at `stride`) equal the painted screen.
inline std::string frame_differs(const xshm::FrameMemory &frame, const ScreenPainter &p,
                                 std::size_t stride) {
    const auto expected = p.expected(0, 0, p.width(), p.height());
    const std::size_t row = std::size_t(p.width()) * p.bytes_per_pixel();
    for (unsigned y = 0; y < p.height(); ++y)
        if (std::memcmp(frame.data() + y * stride, &expected[y * row], row) != 0)
            return "row " + std::to_string(y) + " differs";
    return "";
}

} // namespace xshm_test
