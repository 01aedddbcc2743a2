// SPDX-License-Identifier: LGPL-2.1-or-later
// The pointer as a GstVideoOverlayCompositionMeta, for downstream elements
// that compose overlays themselves: the frame's pixels stay the screen's.
#pragma once

#include <cstdint>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "cursor_tracker.h"

class XShmCursorOverlay {
public:
    XShmCursorOverlay() = default;
    ~XShmCursorOverlay() { reset(); }
    XShmCursorOverlay(const XShmCursorOverlay &) = delete;
    XShmCursorOverlay &operator=(const XShmCursorOverlay &) = delete;

    // Adds one rectangle showing `cursor` as `state` places it (nothing when
    // the pointer is not over the captured area).
    void attach(GstBuffer *buffer, const xshm::CursorTracker &cursor,
                const xshm::CursorState &state);
    void reset() { gst_clear_buffer(&pixels_); }

private:
    GstBuffer *pixels_ = nullptr; // the image of cursor serial `serial_`
    uint32_t serial_ = 0;
};
