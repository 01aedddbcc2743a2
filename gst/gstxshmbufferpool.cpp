// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmbufferpool.h"

#include <algorithm>
#include <atomic>
#include <string>

#include "error.h"
#include "gstxshmallocator.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_buffer_pool_debug);
#define GST_CAT_DEFAULT gst_xshm_buffer_pool_debug

struct GstXShmBufferPoolPrivate {
    std::shared_ptr<xshm::SlotPool> slots;
    std::atomic<bool> flushing{true}; // as GstBufferPool: flushing until activated
    GstAllocator *allocator = nullptr;
    GstVideoInfo info;
    guint min_buffers = 0;
};

struct _GstXShmBufferPool {
    GstBufferPool parent;
    GstXShmBufferPoolPrivate *priv;
};

#define gst_xshm_buffer_pool_parent_class parent_class
G_DEFINE_TYPE(GstXShmBufferPool, gst_xshm_buffer_pool, GST_TYPE_BUFFER_POOL)

static const gchar **gst_xshm_buffer_pool_get_options(GstBufferPool *) {
    static const gchar *options[] = {GST_BUFFER_POOL_OPTION_VIDEO_META, nullptr};
    return options;
}

static gboolean gst_xshm_buffer_pool_set_config(GstBufferPool *pool, GstStructure *config) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    GstCaps *caps = nullptr;
    guint size = 0, min_buffers = 0, max_buffers = 0;
    GstVideoInfo info;
    if (!gst_buffer_pool_config_get_params(config, &caps, &size, &min_buffers, &max_buffers) ||
        caps == nullptr || !gst_video_info_from_caps(&info, caps)) {
        GST_WARNING_OBJECT(pool, "config has no usable video caps");
        return FALSE;
    }
    // The layout is the server's (its row padding), fixed when the pool was made.
    if (GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_INFO_FORMAT(&priv->info) ||
        GST_VIDEO_INFO_WIDTH(&info) != GST_VIDEO_INFO_WIDTH(&priv->info) ||
        GST_VIDEO_INFO_HEIGHT(&info) != GST_VIDEO_INFO_HEIGHT(&priv->info)) {
        GST_WARNING_OBJECT(pool, "caps %" GST_PTR_FORMAT " do not match the captured frames", caps);
        return FALSE;
    }
    if (size > priv->slots->slot_size()) {
        GST_WARNING_OBJECT(pool, "buffer size %u exceeds the slot size %zu", size,
                           priv->slots->slot_size());
        return FALSE;
    }
    // Unlimited is not offered: every slot is a frame of shared memory.
    if (max_buffers == 0 || max_buffers < min_buffers) {
        max_buffers = std::max(min_buffers, priv->slots->max_slots());
        gst_buffer_pool_config_set_params(config, caps, size, min_buffers, max_buffers);
    }
    priv->slots->set_max_slots(max_buffers);
    priv->min_buffers = min_buffers;
    GST_DEBUG_OBJECT(pool, "%u..%u slots of %zu bytes", min_buffers, max_buffers,
                     priv->slots->slot_size());
    return GST_BUFFER_POOL_CLASS(parent_class)->set_config(pool, config);
}

static gboolean gst_xshm_buffer_pool_start(GstBufferPool *pool) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    const std::string error = priv->slots->preallocate(priv->min_buffers);
    if (!error.empty()) {
        GST_ERROR_OBJECT(pool, "cannot create %u slots: %s", priv->min_buffers, error.c_str());
        return FALSE;
    }
    // The parent's start would allocate buffers to queue; slots are the pool here.
    return TRUE;
}

static GstFlowReturn gst_xshm_buffer_pool_acquire_buffer(GstBufferPool *pool, GstBuffer **buffer,
                                                         GstBufferPoolAcquireParams *params) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    using Status = xshm::SlotPool::Acquired::Status;
    const bool dont_wait =
        params != nullptr && (params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);
    xshm::SlotPool::Acquired got;
    do {
        got = priv->slots->acquire(priv->flushing, std::chrono::milliseconds(dont_wait ? 0 : 100));
    } while (got.status == Status::TimedOut && !dont_wait);
    switch (got.status) {
    case Status::Ok:
        *buffer = gst_xshm_buffer_new_wrapped(priv->allocator, std::move(got.lease), priv->info);
        return GST_FLOW_OK;
    case Status::Cancelled: return GST_FLOW_FLUSHING;
    case Status::TimedOut: return GST_FLOW_EOS; // as GstBufferPool says "none free" with DONTWAIT
    default: GST_ERROR_OBJECT(pool, "no slot: %s", got.error.c_str()); return GST_FLOW_ERROR;
    }
}

// Nothing to reset: released buffers are freed, which frees their memory and
// so returns the slot (unless downstream still shares that memory).
static void gst_xshm_buffer_pool_reset_buffer(GstBufferPool *, GstBuffer *) {}

static void gst_xshm_buffer_pool_release_buffer(GstBufferPool *pool, GstBuffer *buffer) {
    GST_BUFFER_POOL_CLASS(parent_class)->free_buffer(pool, buffer);
}

static void gst_xshm_buffer_pool_flush_start(GstBufferPool *pool) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    priv->flushing = true;
    priv->slots->interrupt();
}

static void gst_xshm_buffer_pool_flush_stop(GstBufferPool *pool) {
    GST_XSHM_BUFFER_POOL(pool)->priv->flushing = false;
}

static void gst_xshm_buffer_pool_finalize(GObject *object) {
    auto *self = GST_XSHM_BUFFER_POOL(object);
    gst_clear_object(&self->priv->allocator);
    delete self->priv;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_xshm_buffer_pool_class_init(GstXShmBufferPoolClass *klass) {
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS(klass);
    object_class->finalize = gst_xshm_buffer_pool_finalize;
    pool_class->get_options = gst_xshm_buffer_pool_get_options;
    pool_class->set_config = gst_xshm_buffer_pool_set_config;
    pool_class->start = gst_xshm_buffer_pool_start;
    pool_class->acquire_buffer = gst_xshm_buffer_pool_acquire_buffer;
    pool_class->reset_buffer = gst_xshm_buffer_pool_reset_buffer;
    pool_class->release_buffer = gst_xshm_buffer_pool_release_buffer;
    pool_class->flush_start = gst_xshm_buffer_pool_flush_start;
    pool_class->flush_stop = gst_xshm_buffer_pool_flush_stop;
    GST_DEBUG_CATEGORY_INIT(gst_xshm_buffer_pool_debug, "xshmbufferpool", 0,
                            "xshm shared-memory slot pool");
}

static void gst_xshm_buffer_pool_init(GstXShmBufferPool *self) {
    self->priv = new GstXShmBufferPoolPrivate();
    self->priv->allocator = gst_xshm_allocator_get();
}

GstBufferPool *gst_xshm_buffer_pool_new(std::shared_ptr<xshm::SlotPool> slots,
                                        const GstVideoInfo &frame_layout) {
    auto *pool = GST_XSHM_BUFFER_POOL(g_object_new(GST_TYPE_XSHM_BUFFER_POOL, nullptr));
    gst_object_ref_sink(pool);
    pool->priv->slots = std::move(slots);
    pool->priv->info = frame_layout;
    return GST_BUFFER_POOL_CAST(pool);
}

xshm::SlotPool::Lease *gst_xshm_buffer_get_slot(GstBuffer *buffer) {
    if (gst_buffer_n_memory(buffer) != 1)
        return nullptr;
    return dynamic_cast<xshm::SlotPool::Lease *>(
        gst_xshm_memory_get_frame(gst_buffer_peek_memory(buffer, 0)));
}
