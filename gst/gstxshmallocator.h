// SPDX-License-Identifier: LGPL-2.1-or-later
// GstMemory over a captured frame (an SHM slot or a GetImage reply): mapping
// returns the frame's own address; freeing the memory gives the slot back.
#pragma once

#include <memory>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "frame_memory.h"

G_BEGIN_DECLS

#define GST_XSHM_MEMORY_TYPE "XShmFrame"

#define GST_TYPE_XSHM_ALLOCATOR (gst_xshm_allocator_get_type())
G_DECLARE_FINAL_TYPE(GstXShmAllocator, gst_xshm_allocator, GST, XSHM_ALLOCATOR, GstAllocator)

G_END_DECLS

// The process-wide allocator (transfer full).
GstAllocator *gst_xshm_allocator_get();

// Wraps `frame`: the memory owns it from now on (transfer full).
GstMemory *gst_xshm_allocator_wrap(GstAllocator *allocator,
                                   std::unique_ptr<xshm::FrameMemory> frame, gsize size);

// A buffer holding `frame` as its one memory, described by `info` in a
// GstVideoMeta (the stride is the server's, not necessarily GStreamer's default).
GstBuffer *gst_xshm_buffer_new_wrapped(GstAllocator *allocator,
                                       std::unique_ptr<xshm::FrameMemory> frame,
                                       const GstVideoInfo &info);

// The frame behind `mem` (or behind its parent, for a shared sub-memory).
xshm::FrameMemory *gst_xshm_memory_get_frame(GstMemory *mem);
gboolean gst_is_xshm_memory(GstMemory *mem);
