// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmcursoroverlay.h"

// XFixes' premultiplied ARGB words are, in memory on a little-endian host,
// exactly the overlay's premultiplied BGRA; the image is copied once per
// cursor change, each frame only gets a new rectangle around it.
void XShmCursorOverlay::attach(GstBuffer *buffer, const xshm::CursorTracker &cursor,
                               const xshm::CursorState &state) {
    if (!state.visible)
        return;
    const unsigned w = cursor.width(), h = cursor.height();
    if (pixels_ == nullptr || serial_ != state.serial) {
        reset();
        const gsize size = gsize(w) * h * 4;
        pixels_ = gst_buffer_new_allocate(nullptr, size, nullptr);
        gst_buffer_fill(pixels_, 0, cursor.pixels().data(), size);
        gst_buffer_add_video_meta(pixels_, GST_VIDEO_FRAME_FLAG_NONE,
                                  GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, w, h);
        serial_ = state.serial;
    }
    GstVideoOverlayRectangle *rect = gst_video_overlay_rectangle_new_raw(
        pixels_, state.x, state.y, w, h, GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
    GstVideoOverlayComposition *composition = gst_video_overlay_composition_new(rect);
    gst_buffer_add_video_overlay_composition_meta(buffer, composition);
    gst_video_overlay_composition_unref(composition);
    gst_video_overlay_rectangle_unref(rect);
}
