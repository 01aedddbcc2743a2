// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmallocator.h"

#include <algorithm>
#include <iterator>

#include "thread_handover.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_allocator_debug);
#define GST_CAT_DEFAULT gst_xshm_allocator_debug

struct _GstXShmAllocator {
    GstAllocator parent;
};

namespace {

struct XShmMemory {
    GstMemory mem;
    uint8_t *data;
    // Set on the root memory only; shared sub-memories keep the root alive instead.
    xshm::FrameMemory *frame;
};

XShmMemory *new_memory(GstAllocator *allocator, GstMemory *parent, uint8_t *data,
                       xshm::FrameMemory *frame, gsize maxsize, gsize offset, gsize size,
                       GstMemoryFlags flags) {
    auto *mem = g_new0(XShmMemory, 1);
    gst_memory_init(GST_MEMORY_CAST(mem), flags, allocator, parent, maxsize, 0, offset, size);
    mem->data = data;
    mem->frame = frame;
    return mem;
}

gpointer xshm_memory_map(GstMemory *mem, gsize, GstMapFlags flags) {
    taken_over(mem);
    taken_over(mem->parent ? mem->parent : mem);
    // Pixels written downstream are no screen state: the slot must be refetched whole.
    if (flags & GST_MAP_WRITE) {
        GstMemory *root = mem->parent ? mem->parent : mem;
        if (xshm::FrameMemory *frame = reinterpret_cast<XShmMemory *>(root)->frame)
            frame->written();
    }
    return reinterpret_cast<XShmMemory *>(mem)->data;
}

void xshm_memory_unmap(GstMemory *) {}

GstMemory *xshm_memory_share(GstMemory *mem, gssize offset, gssize size) {
    GstMemory *root = mem->parent ? mem->parent : mem;
    if (size == -1)
        size = gssize(mem->size) - offset;
    auto flags = GstMemoryFlags(GST_MINI_OBJECT_FLAGS(root) | GST_MINI_OBJECT_FLAG_LOCK_READONLY);
    XShmMemory *sub = new_memory(mem->allocator, root, reinterpret_cast<XShmMemory *>(mem)->data,
                                 nullptr, mem->maxsize, mem->offset + offset, gsize(size), flags);
    handed_over(sub);
    return GST_MEMORY_CAST(sub);
}

gboolean xshm_memory_is_span(GstMemory *mem1, GstMemory *mem2, gsize *offset) {
    // gst_memory_is_span() only asks for memories sharing one parent.
    if (offset != nullptr)
        *offset = mem1->offset - (mem1->parent ? mem1->parent->offset : 0);
    auto *a = reinterpret_cast<XShmMemory *>(mem1);
    auto *b = reinterpret_cast<XShmMemory *>(mem2);
    return a->data == b->data && mem1->offset + mem1->size == mem2->offset;
}

} // namespace

G_DEFINE_TYPE(GstXShmAllocator, gst_xshm_allocator, GST_TYPE_ALLOCATOR)

static GstMemory *gst_xshm_allocator_alloc(GstAllocator *, gsize, GstAllocationParams *) {
    // Frames are made by capturing, never by a generic allocation request.
    return nullptr;
}

static void gst_xshm_allocator_free(GstAllocator *, GstMemory *gmem) {
    taken_over(gmem);
    auto *mem = reinterpret_cast<XShmMemory *>(gmem);
    GST_TRACE("freeing memory %p (frame %p)", mem, mem->frame);
    delete mem->frame; // a slot lease returns its slot to the pool here
    g_free(mem);
}

static void gst_xshm_allocator_class_init(GstXShmAllocatorClass *klass) {
    GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS(klass);
    allocator_class->alloc = gst_xshm_allocator_alloc;
    allocator_class->free = gst_xshm_allocator_free;
    GST_DEBUG_CATEGORY_INIT(gst_xshm_allocator_debug, "xshmallocator", 0,
                            "xshm frame memory allocator");
}

static void gst_xshm_allocator_init(GstXShmAllocator *self) {
    GstAllocator *allocator = GST_ALLOCATOR_CAST(self);
    allocator->mem_type = GST_XSHM_MEMORY_TYPE;
    allocator->mem_map = xshm_memory_map;
    allocator->mem_unmap = xshm_memory_unmap;
    allocator->mem_share = xshm_memory_share;
    allocator->mem_is_span = xshm_memory_is_span;
    GST_OBJECT_FLAG_SET(self, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

GstAllocator *gst_xshm_allocator_get() {
    static GstAllocator *allocator = [] {
        auto *a = GST_ALLOCATOR_CAST(g_object_new(GST_TYPE_XSHM_ALLOCATOR, nullptr));
        gst_object_ref_sink(a);
        // Lives for the process: memories may be freed after every element is gone.
        GST_OBJECT_FLAG_SET(a, GST_OBJECT_FLAG_MAY_BE_LEAKED);
        return a;
    }();
    return GST_ALLOCATOR_CAST(gst_object_ref(allocator));
}

GstMemory *gst_xshm_allocator_wrap(GstAllocator *allocator,
                                   std::unique_ptr<xshm::FrameMemory> frame, gsize size) {
    g_return_val_if_fail(frame && size <= frame->size(), nullptr);
    uint8_t *data = frame->data();
    gsize maxsize = frame->size();
    XShmMemory *mem =
        new_memory(allocator, nullptr, data, frame.release(), maxsize, 0, size, GstMemoryFlags(0));
    handed_over(mem);
    return GST_MEMORY_CAST(mem);
}

GstBuffer *gst_xshm_buffer_new_wrapped(GstAllocator *allocator,
                                       std::unique_ptr<xshm::FrameMemory> frame,
                                       const GstVideoInfo &info) {
    GstBuffer *buffer = gst_buffer_new();
    gst_buffer_append_memory(buffer,
                             gst_xshm_allocator_wrap(allocator, std::move(frame), info.size));
    gsize offset[GST_VIDEO_MAX_PLANES];
    gint stride[GST_VIDEO_MAX_PLANES];
    std::copy(std::begin(info.offset), std::end(info.offset), offset);
    std::copy(std::begin(info.stride), std::end(info.stride), stride);
    gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
                                   GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
                                   GST_VIDEO_INFO_N_PLANES(&info), offset, stride);
    return buffer;
}

gboolean gst_is_xshm_memory(GstMemory *mem) {
    return mem != nullptr && gst_memory_is_type(mem, GST_XSHM_MEMORY_TYPE);
}

xshm::FrameMemory *gst_xshm_memory_get_frame(GstMemory *mem) {
    if (!gst_is_xshm_memory(mem))
        return nullptr;
    GstMemory *root = mem->parent ? mem->parent : mem;
    return reinterpret_cast<XShmMemory *>(root)->frame;
}
