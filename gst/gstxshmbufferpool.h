// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc's GstBufferPool: every frame it pushes is a buffer acquired here.
// Each buffer wraps one slot of a SlotPool (the screen's shared memory, or
// the converted frames' memory). A buffer that comes back with its memory
// its own again is queued and handed out again, slot and all; one whose
// memory downstream still shares (a copy, a sub-buffer) is let go, and its
// slot returns to the SlotPool when the last reference to that memory does.
// Slots, not buffers, are what max-slots counts.
#pragma once

#include <memory>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "frame_slots.h"
#include "slot_pool.h"

G_BEGIN_DECLS

#define GST_TYPE_XSHM_BUFFER_POOL (gst_xshm_buffer_pool_get_type())
G_DECLARE_FINAL_TYPE(GstXShmBufferPool, gst_xshm_buffer_pool, GST, XSHM_BUFFER_POOL, GstBufferPool)

G_END_DECLS

// `frame_layout` describes the frames as they are written (the server's stride).
GstBufferPool *gst_xshm_buffer_pool_new(std::shared_ptr<xshm::SlotPool> slots,
                                        const GstVideoInfo &frame_layout);

// The pool as the capture session's lender: each slot it lends is inside a
// buffer acquired from the pool (gst_buffer_pool_acquire_buffer).
std::shared_ptr<xshm::FrameSlots> gst_xshm_buffer_pool_lender(GstBufferPool *pool);

// The buffer a lent frame is in (transfer full), or null when `frame` is not
// one the pool lent (a GetImage reply).
GstBuffer *gst_xshm_buffer_pool_take_buffer(xshm::FrameMemory &frame);
