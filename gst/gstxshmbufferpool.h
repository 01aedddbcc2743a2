// SPDX-License-Identifier: LGPL-2.1-or-later
// A GstBufferPool whose buffers wrap SHM slots. The slot, not the buffer, is
// the pooled thing: each acquire wraps a free slot in a fresh memory, and the
// slot goes back when that memory (and anything sharing it) is freed, so
// downstream may keep or share memory without the pool losing count.
#pragma once

#include <memory>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "slot_pool.h"

G_BEGIN_DECLS

#define GST_TYPE_XSHM_BUFFER_POOL (gst_xshm_buffer_pool_get_type())
G_DECLARE_FINAL_TYPE(GstXShmBufferPool, gst_xshm_buffer_pool, GST, XSHM_BUFFER_POOL, GstBufferPool)

G_END_DECLS

// `frame_layout` describes the frames as the server writes them (its stride).
GstBufferPool *gst_xshm_buffer_pool_new(std::shared_ptr<xshm::SlotPool> slots,
                                        const GstVideoInfo &frame_layout);

// The slot behind a buffer acquired from this pool, or null.
xshm::SlotPool::Lease *gst_xshm_buffer_get_slot(GstBuffer *buffer);
