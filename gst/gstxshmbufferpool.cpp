// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmbufferpool.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gstxshmallocator.h"
#include "thread_handover.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_buffer_pool_debug);
#define GST_CAT_DEFAULT gst_xshm_buffer_pool_debug

// Set once when made: `slots`, `info`, `allocator`. `flushing` is any
// thread's. Under `lock`: `returned` (released from any thread, acquired on
// the streaming thread) and `slot_error` (why the last new slot failed).
struct GstXShmBufferPoolPrivate {
    std::shared_ptr<xshm::SlotPool> slots;
    GstVideoInfo info;
    GstAllocator *allocator = nullptr;
    std::atomic<bool> flushing{true}; // as GstBufferPool: flushing until activated
    std::mutex lock;
    std::vector<GstBuffer *> returned; // whole, with their slots; back = latest
    std::string slot_error;
};

struct _GstXShmBufferPool {
    GstBufferPool parent;
    GstXShmBufferPoolPrivate *priv;
};

#define gst_xshm_buffer_pool_parent_class parent_class
G_DEFINE_TYPE(GstXShmBufferPool, gst_xshm_buffer_pool, GST_TYPE_BUFFER_POOL)

namespace {

// A lent slot, still inside its buffer until the element takes the buffer.
class PooledFrame : public xshm::FrameMemory {
public:
    PooledFrame(GstBuffer *buffer, xshm::SlotPool::Lease *slot) : buffer_(buffer), slot_(slot) {}
    ~PooledFrame() override { gst_clear_buffer(&buffer_); }
    uint8_t *data() const override { return slot_->data(); }
    std::size_t size() const override { return slot_->size(); }
    GstBuffer *take_buffer() { return std::exchange(buffer_, nullptr); }

private:
    GstBuffer *buffer_;
    xshm::SlotPool::Lease *slot_;
};

// The slot behind a buffer this pool made.
xshm::SlotPool::Lease *slot_of(GstBuffer *buffer) {
    return dynamic_cast<xshm::SlotPool::Lease *>(
        gst_xshm_memory_get_frame(gst_buffer_peek_memory(buffer, 0)));
}

// Acquires without waiting (GstBufferPool's own wait knows only buffers
// coming back, not slots), and waits on the slot pool, which hears both.
class PoolLender : public xshm::FrameSlots {
public:
    explicit PoolLender(GstBufferPool *pool)
        : pool_(GST_BUFFER_POOL(gst_object_ref(pool))), priv_(GST_XSHM_BUFFER_POOL(pool)->priv) {}
    ~PoolLender() override { gst_object_unref(pool_); }

    xshm::LentSlot lend(const std::atomic<bool> &cancelled,
                        std::chrono::milliseconds timeout) noexcept override {
        using Status = xshm::LentSlot::Status;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        GstBufferPoolAcquireParams params{
            GST_FORMAT_UNDEFINED, 0, 0, GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, {}};
        for (;;) {
            if (cancelled.load())
                return {Status::Cancelled, nullptr, nullptr, ""};
            const uint64_t seen = priv_->slots->releases();
            GstBuffer *buffer = nullptr;
            switch (gst_buffer_pool_acquire_buffer(pool_, &buffer, &params)) {
            case GST_FLOW_OK: {
                xshm::SlotPool::Lease *slot = slot_of(buffer);
                return {Status::Ok, std::make_unique<PooledFrame>(buffer, slot), slot, ""};
            }
            case GST_FLOW_EOS: // every slot is out
                if (!priv_->slots->wait_for_release(seen, cancelled, deadline))
                    return {Status::TimedOut, nullptr, nullptr, ""};
                break;
            case GST_FLOW_FLUSHING: return {Status::Cancelled, nullptr, nullptr, ""};
            default: {
                std::lock_guard<std::mutex> lock(priv_->lock);
                return {Status::Failed, nullptr, nullptr, priv_->slot_error};
            }
            }
        }
    }
    void interrupt() override { priv_->slots->wake_waiters(); }
    unsigned max_slots() const override { return priv_->slots->max_slots(); }
    unsigned slots_created() const override { return priv_->slots->slots_created(); }

private:
    GstBufferPool *pool_;
    GstXShmBufferPoolPrivate *priv_; // lives as long as pool_
};

} // namespace

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
    // The layout is the writer's (the server's row padding), fixed when the pool was made.
    if (GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_INFO_FORMAT(&priv->info) ||
        GST_VIDEO_INFO_WIDTH(&info) != GST_VIDEO_INFO_WIDTH(&priv->info) ||
        GST_VIDEO_INFO_HEIGHT(&info) != GST_VIDEO_INFO_HEIGHT(&priv->info)) {
        GST_WARNING_OBJECT(pool, "caps %" GST_PTR_FORMAT " do not match the captured frames", caps);
        return FALSE;
    }
    if (size != priv->info.size || size > priv->slots->slot_size()) {
        GST_WARNING_OBJECT(pool, "buffer size %u is not the frame size %" G_GSIZE_FORMAT, size,
                           priv->info.size);
        return FALSE;
    }
    // Unlimited is not offered: every slot is a whole frame of memory.
    if (max_buffers == 0 || max_buffers < min_buffers) {
        max_buffers = std::max(min_buffers, priv->slots->max_slots());
        gst_buffer_pool_config_set_params(config, caps, size, min_buffers, max_buffers);
    }
    priv->slots->set_max_slots(max_buffers);
    GST_DEBUG_OBJECT(pool, "%u..%u slots of %" G_GSIZE_FORMAT " bytes", min_buffers, max_buffers,
                     priv->slots->slot_size());
    return GST_BUFFER_POOL_CLASS(parent_class)->set_config(pool, config);
}

// Slots are made up front by whoever activates the pool (xshmsrc, so that a
// failure names its cause); buffers around them as they are first acquired.
static gboolean gst_xshm_buffer_pool_start(GstBufferPool *) { return TRUE; }

static void free_returned(GstBufferPool *pool) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    std::vector<GstBuffer *> returned;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        returned.swap(priv->returned);
    }
    for (GstBuffer *buffer : returned)
        GST_BUFFER_POOL_CLASS(parent_class)->free_buffer(pool, buffer);
}

static gboolean gst_xshm_buffer_pool_stop(GstBufferPool *pool) {
    free_returned(pool);
    return TRUE;
}

// A free slot in a new buffer whose video meta stays with it (pooled).
static GstBuffer *wrap_slot(GstXShmBufferPoolPrivate *priv,
                            std::unique_ptr<xshm::SlotPool::Lease> lease) {
    GstBuffer *buffer = gst_xshm_buffer_new_wrapped(priv->allocator, std::move(lease), priv->info);
    GstMeta *meta = GST_META_CAST(gst_buffer_get_video_meta(buffer));
    GST_META_FLAGS(meta) =
        GstMetaFlags(GST_META_FLAGS(meta) | GST_META_FLAG_POOLED | GST_META_FLAG_LOCKED);
    GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_TAG_MEMORY);
    return buffer;
}

// The buffer returned last (its slot warm, its content the newest), else a
// new buffer around a free slot; EOS when every slot is out and the caller
// will not wait. Waits on the slot pool, which hears both kinds of return.
static GstFlowReturn gst_xshm_buffer_pool_acquire_buffer(GstBufferPool *pool, GstBuffer **buffer,
                                                         GstBufferPoolAcquireParams *params) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    const bool may_wait =
        params == nullptr || !(params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);
    const std::atomic<bool> never{false};
    for (;;) {
        if (priv->flushing)
            return GST_FLOW_FLUSHING;
        const uint64_t seen = priv->slots->releases();
        {
            std::lock_guard<std::mutex> lock(priv->lock);
            if (!priv->returned.empty()) {
                *buffer = priv->returned.back();
                priv->returned.pop_back();
                return GST_FLOW_OK;
            }
        }
        xshm::SlotPool::Acquired got = priv->slots->acquire(never, std::chrono::milliseconds(0));
        if (got.status == xshm::SlotPool::Acquired::Status::Ok) {
            *buffer = wrap_slot(priv, std::move(got.lease));
            return GST_FLOW_OK;
        }
        if (got.status == xshm::SlotPool::Acquired::Status::Failed) {
            GST_WARNING_OBJECT(pool, "no slot: %s", got.error.c_str());
            std::lock_guard<std::mutex> lock(priv->lock);
            priv->slot_error = got.error;
            return GST_FLOW_ERROR;
        }
        if (!may_wait)
            return GST_FLOW_EOS; // as GstBufferPool says "none free" with DONTWAIT
        priv->slots->wait_for_release(seen, priv->flushing,
                                      std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
}

// Kept whole when its memory is its own again; else let go: the slot
// follows the memory, back when downstream's last reference to it goes.
static void gst_xshm_buffer_pool_release_buffer(GstBufferPool *pool, GstBuffer *buffer) {
    taken_over(buffer); // from the thread that pushed it (xshmsrc's frame_buffer)
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    const bool whole = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_TAG_MEMORY) &&
                       gst_buffer_n_memory(buffer) == 1 &&
                       gst_buffer_is_all_memory_writable(buffer);
    if (whole) {
        std::lock_guard<std::mutex> lock(priv->lock);
        priv->returned.push_back(buffer);
    } else {
        GST_DEBUG_OBJECT(pool, "letting go of %p: its memory is shared",
                         static_cast<void *>(buffer));
        GST_BUFFER_POOL_CLASS(parent_class)->free_buffer(pool, buffer);
    }
    priv->slots->wake_waiters();
}

static void gst_xshm_buffer_pool_flush_start(GstBufferPool *pool) {
    auto *priv = GST_XSHM_BUFFER_POOL(pool)->priv;
    priv->flushing = true;
    priv->slots->wake_waiters();
}

static void gst_xshm_buffer_pool_flush_stop(GstBufferPool *pool) {
    GST_XSHM_BUFFER_POOL(pool)->priv->flushing = false;
}

static void gst_xshm_buffer_pool_finalize(GObject *object) {
    auto *self = GST_XSHM_BUFFER_POOL(object);
    free_returned(GST_BUFFER_POOL_CAST(self));
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
    pool_class->stop = gst_xshm_buffer_pool_stop;
    pool_class->acquire_buffer = gst_xshm_buffer_pool_acquire_buffer;
    pool_class->release_buffer = gst_xshm_buffer_pool_release_buffer;
    pool_class->flush_start = gst_xshm_buffer_pool_flush_start;
    pool_class->flush_stop = gst_xshm_buffer_pool_flush_stop;
    GST_DEBUG_CATEGORY_INIT(gst_xshm_buffer_pool_debug, "xshmbufferpool", 0,
                            "xshm frame slot pool");
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

std::shared_ptr<xshm::FrameSlots> gst_xshm_buffer_pool_lender(GstBufferPool *pool) {
    g_return_val_if_fail(GST_IS_XSHM_BUFFER_POOL(pool), nullptr);
    return std::make_shared<PoolLender>(pool);
}

GstBuffer *gst_xshm_buffer_pool_take_buffer(xshm::FrameMemory &frame) {
    auto *lent = dynamic_cast<PooledFrame *>(&frame);
    return lent ? lent->take_buffer() : nullptr;
}
