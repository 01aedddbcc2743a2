#include "gstxshmsrc.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <gst/video/video.h>

#include "error.h"
#include "grabber.h"
#include "gstxshmallocator.h"
#include "gstxshmbufferpool.h"
#include "gstxshmcursoroverlay.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_src_debug);
#define GST_CAT_DEFAULT gst_xshm_src_debug

namespace {

constexpr guint DEFAULT_MAX_SLOTS = 8;
// Slots beyond downstream's minimum: one being captured, one in flight.
constexpr guint POOL_HEADROOM = 2;

#define XSHM_FORMATS "{ BGRx, BGRA, RGBx, RGBA, xRGB, ARGB, xBGR, ABGR, RGB16, BGR16, RGB15, BGR15 }"

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) " XSHM_FORMATS
                    ", width = (int) [ 1, MAX ], height = (int) [ 1, MAX ]"
                    ", framerate = (fraction) [ 0/1, MAX ]"
                    ", pixel-aspect-ratio = (fraction) 1/1"));

enum {
    PROP_0,
    PROP_DISPLAY_NAME,
    PROP_STARTX,
    PROP_STARTY,
    PROP_ENDX,
    PROP_ENDY,
    PROP_REMOTE,
    PROP_MAX_SLOTS,
    PROP_CAPTURE_PATH,
    PROP_USE_DAMAGE,
    PROP_SHOW_POINTER,
    PROP_SKIP_UNCHANGED,
    PROP_STATS,
    PROP_MONITOR,
    PROP_EOS_ON_MONITOR_LOSS,
    PROP_XID,
    PROP_XNAME,
};

// What the user set; read once per start.
struct Settings {
    std::string display_name;
    std::string monitor;
    guint64 xid = 0;
    std::string xname;
    xshm::RegionRequest region;
    bool remote = false;
    guint max_slots = DEFAULT_MAX_SLOTS;
    bool use_damage = true;
    bool show_pointer = true;
    bool skip_unchanged = false;
    bool eos_on_monitor_loss = false;
};

// What damage tracking saved, for the "stats" property.
struct CaptureStats {
    guint64 frames = 0;
    guint64 full_captures = 0;
    guint64 partial_captures = 0;
    guint64 repeated_frames = 0;
    guint64 skipped_frames = 0;
    guint64 bytes_fetched = 0;
    guint64 bytes_full = 0; // what full captures of every produced frame would have fetched
    guint64 cursor_fetches = 0;
};


} // namespace

struct GstXShmSrcPrivate {
    std::mutex settings_lock;
    Settings settings;

    // Between start and stop; the streaming thread is the only user meanwhile.
    std::unique_ptr<xshm::Grabber> grabber;
    std::string capture_path; // for the read-only property, under settings_lock
    GstVideoInfo info;
    GstBufferPool *pool = nullptr; // ours, on the SHM paths
    GstAllocator *allocator = nullptr;
    guint64 last_frame = G_MAXUINT64;
    // Reported minimum latency (capture time); written by the streaming thread.
    std::atomic<GstClockTime> latency{0};
    bool skip_unchanged = false;
    bool eos_on_monitor_loss = false;
    xshm::GrabberOptions options; // to look again when the screen layout changes
    // Downstream composes overlays: the pointer travels as a meta, not in the pixels.
    bool cursor_overlay = false;
    XShmCursorOverlay cursor_overlay_meta;
    // The last frame pushed and the damage generation it shows: pushed again,
    // without any copy, while nothing changes.
    GstBuffer *last_buffer = nullptr;
    xshm::ScreenState last_state;

    std::mutex stats_lock;
    CaptureStats stats;

    // Guards the pending clock wait against unlock() from another thread.
    std::mutex clock_lock;
    GstClockID clock_id = nullptr;
    bool flushing = false;
};

struct _GstXShmSrc {
    GstPushSrc parent;
    GstXShmSrcPrivate *priv;
};

#define gst_xshm_src_parent_class parent_class
G_DEFINE_TYPE(GstXShmSrc, gst_xshm_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(xshmsrc, "xshmsrc", GST_RANK_NONE, GST_TYPE_XSHM_SRC)

static void gst_xshm_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) {
    auto *priv = GST_XSHM_SRC(object)->priv;
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    Settings &s = priv->settings;
    switch (prop_id) {
    case PROP_DISPLAY_NAME: {
        const gchar *name = g_value_get_string(value);
        s.display_name = name ? name : "";
        break;
    }
    case PROP_MONITOR: {
        const gchar *monitor = g_value_get_string(value);
        s.monitor = monitor ? monitor : "";
        break;
    }
    case PROP_STARTX:
        s.region.startx = g_value_get_uint(value);
        break;
    case PROP_STARTY:
        s.region.starty = g_value_get_uint(value);
        break;
    case PROP_ENDX:
        s.region.endx = g_value_get_uint(value);
        break;
    case PROP_ENDY:
        s.region.endy = g_value_get_uint(value);
        break;
    case PROP_REMOTE:
        s.remote = g_value_get_boolean(value);
        break;
    case PROP_MAX_SLOTS:
        s.max_slots = g_value_get_uint(value);
        break;
    case PROP_USE_DAMAGE:
        s.use_damage = g_value_get_boolean(value);
        break;
    case PROP_SHOW_POINTER:
        s.show_pointer = g_value_get_boolean(value);
        break;
    case PROP_SKIP_UNCHANGED:
        s.skip_unchanged = g_value_get_boolean(value);
        break;
    case PROP_EOS_ON_MONITOR_LOSS:
        s.eos_on_monitor_loss = g_value_get_boolean(value);
        break;
    case PROP_XID:
        s.xid = g_value_get_uint64(value);
        break;
    case PROP_XNAME: {
        const gchar *name = g_value_get_string(value);
        s.xname = name ? name : "";
        break;
    }
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
}

static void gst_xshm_src_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) {
    auto *priv = GST_XSHM_SRC(object)->priv;
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    const Settings &s = priv->settings;
    switch (prop_id) {
    case PROP_DISPLAY_NAME:
        g_value_set_string(value, s.display_name.empty() ? nullptr : s.display_name.c_str());
        break;
    case PROP_MONITOR:
        g_value_set_string(value, s.monitor.empty() ? nullptr : s.monitor.c_str());
        break;
    case PROP_STARTX:
        g_value_set_uint(value, s.region.startx);
        break;
    case PROP_STARTY:
        g_value_set_uint(value, s.region.starty);
        break;
    case PROP_ENDX:
        g_value_set_uint(value, s.region.endx);
        break;
    case PROP_ENDY:
        g_value_set_uint(value, s.region.endy);
        break;
    case PROP_REMOTE:
        g_value_set_boolean(value, s.remote);
        break;
    case PROP_MAX_SLOTS:
        g_value_set_uint(value, s.max_slots);
        break;
    case PROP_CAPTURE_PATH:
        g_value_set_string(value, priv->capture_path.empty() ? nullptr : priv->capture_path.c_str());
        break;
    case PROP_USE_DAMAGE:
        g_value_set_boolean(value, s.use_damage);
        break;
    case PROP_SHOW_POINTER:
        g_value_set_boolean(value, s.show_pointer);
        break;
    case PROP_SKIP_UNCHANGED:
        g_value_set_boolean(value, s.skip_unchanged);
        break;
    case PROP_EOS_ON_MONITOR_LOSS:
        g_value_set_boolean(value, s.eos_on_monitor_loss);
        break;
    case PROP_XID:
        g_value_set_uint64(value, s.xid);
        break;
    case PROP_XNAME:
        g_value_set_string(value, s.xname.empty() ? nullptr : s.xname.c_str());
        break;
    case PROP_STATS: {
        std::lock_guard<std::mutex> stats_lock(priv->stats_lock);
        const CaptureStats &st = priv->stats;
        g_value_take_boxed(
            value, gst_structure_new("xshmsrc-stats", "frames", G_TYPE_UINT64, st.frames,
                                     "full-captures", G_TYPE_UINT64, st.full_captures,
                                     "partial-captures", G_TYPE_UINT64, st.partial_captures,
                                     "repeated-frames", G_TYPE_UINT64, st.repeated_frames,
                                     "skipped-frames", G_TYPE_UINT64, st.skipped_frames,
                                     "bytes-fetched", G_TYPE_UINT64, st.bytes_fetched,
                                     "bytes-full-frames", G_TYPE_UINT64, st.bytes_full,
                                     "cursor-image-fetches", G_TYPE_UINT64, st.cursor_fetches,
                                     nullptr));
        break;
    }
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
}

static GstClockTime frame_duration(const GstVideoInfo &info) {
    if (GST_VIDEO_INFO_FPS_N(&info) <= 0)
        return GST_CLOCK_TIME_NONE;
    return gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&info),
                                     GST_VIDEO_INFO_FPS_N(&info));
}

// Times a capture so the LATENCY answer is measured, not guessed.
static GstClockTime time_one_capture(xshm::Grabber &grabber) {
    const gint64 begin = g_get_monotonic_time();
    if (const auto &slots = grabber.slot_pool()) {
        std::atomic<bool> never{false};
        auto slot = slots->acquire(never);
        grabber.capture_into(*slot);
    } else {
        grabber.capture_get_image();
    }
    return GstClockTime(g_get_monotonic_time() - begin) * GST_USECOND;
}

static gboolean gst_xshm_src_start(GstBaseSrc *basesrc) {
    auto *self = GST_XSHM_SRC(basesrc);
    auto *priv = self->priv;
    Settings settings;
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        settings = priv->settings;
    }
    xshm::GrabberOptions options;
    options.display_name = settings.display_name;
    options.monitor = settings.monitor;
    options.xid = uint32_t(settings.xid);
    options.xname = settings.xname;
    options.region = settings.region;
    options.force_get_image = settings.remote;
    options.max_slots = settings.max_slots;
    options.use_damage = settings.use_damage;
    options.show_pointer = settings.show_pointer;
    priv->skip_unchanged = settings.skip_unchanged;
    priv->eos_on_monitor_loss = settings.eos_on_monitor_loss;
    priv->options = options;
    try {
        priv->grabber = std::make_unique<xshm::Grabber>(options);
        GstClockTime worst = 0;
        for (int i = 0; i < 2; ++i)
            worst = std::max(worst, time_one_capture(*priv->grabber));
        priv->latency = worst;
    } catch (const std::exception &e) {
        priv->grabber.reset();
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", e.what()),
                          ("display-name=%s %s", settings.display_name.c_str(),
                           settings.region.describe().c_str()));
        return FALSE;
    }

    const xshm::Grabber &g = *priv->grabber;
    const xshm::Region &r = g.region();
    GST_INFO_OBJECT(self, "capturing %ux%u+%d+%d of %s on display '%s' as %s via %s: %s",
                    r.width, r.height, r.x, r.y, g.source_description().c_str(),
                    g.display_name().c_str(), g.format().gst_format.c_str(),
                    xshm::capture_path_name(g.path()), g.path_reason().c_str());
    if (g.path() == xshm::CapturePath::GetImage)
        GST_WARNING_OBJECT(self, "not zero-copy: %s", g.path_reason().c_str());
    if (!g.source_caveat().empty())
        GST_WARNING_OBJECT(self, "%s", g.source_caveat().c_str());
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        priv->capture_path = xshm::capture_path_name(g.path());
    }
    g_object_notify(G_OBJECT(self), "capture-path");
    if (settings.use_damage && !g.tracks_damage())
        GST_WARNING_OBJECT(self, "use-damage: the X server has no DAMAGE 1.1 / XFIXES 2, every "
                                 "frame is a full capture");
    priv->last_frame = G_MAXUINT64;
    priv->last_state = xshm::ScreenState();
    {
        std::lock_guard<std::mutex> lock(priv->stats_lock);
        priv->stats = CaptureStats();
    }
    return TRUE;
}

static gboolean gst_xshm_src_stop(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    gst_clear_buffer(&priv->last_buffer);
    priv->cursor_overlay_meta.reset();
    gst_clear_object(&priv->pool);
    // Slots still held downstream stay mapped; they no longer detach.
    priv->grabber.reset();
    return TRUE;
}

GstCaps *gst_xshm_src_frame_caps(const gchar *format, guint width, guint height) {
    return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, "width", G_TYPE_INT,
                               gint(width), "height", G_TYPE_INT, gint(height), "framerate",
                               GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, "pixel-aspect-ratio",
                               GST_TYPE_FRACTION, 1, 1, nullptr);
}

static GstCaps *gst_xshm_src_get_caps(GstBaseSrc *basesrc, GstCaps *filter) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    if (!priv->grabber)
        return GST_BASE_SRC_CLASS(parent_class)->get_caps(basesrc, filter);

    const xshm::Grabber &g = *priv->grabber;
    GstCaps *caps = gst_xshm_src_frame_caps(g.format().gst_format.c_str(), g.region().width,
                                            g.region().height);
    if (filter != nullptr) {
        GstCaps *filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = filtered;
    }
    return caps;
}

static GstCaps *gst_xshm_src_fixate(GstBaseSrc *basesrc, GstCaps *caps) {
    caps = gst_caps_make_writable(caps);
    for (guint i = 0; i < gst_caps_get_size(caps); ++i)
        gst_structure_fixate_field_nearest_fraction(gst_caps_get_structure(caps, i), "framerate",
                                                    30, 1);
    return GST_BASE_SRC_CLASS(parent_class)->fixate(basesrc, caps);
}

static gboolean gst_xshm_src_set_caps(GstBaseSrc *basesrc, GstCaps *caps) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    if (!gst_video_info_from_caps(&priv->info, caps))
        return FALSE;
    // The server lays rows out with its own padding; describe exactly that.
    priv->info.stride[0] = gint(priv->grabber->stride());
    priv->info.size = priv->grabber->frame_size();
    GST_DEBUG_OBJECT(basesrc, "negotiated %" GST_PTR_FORMAT, caps);
    return TRUE;
}

// We insist on our own pool: only its memory is written by the server.
static gboolean gst_xshm_src_decide_allocation(GstBaseSrc *basesrc, GstQuery *query) {
    auto *self = GST_XSHM_SRC(basesrc);
    auto *priv = self->priv;
    priv->cursor_overlay =
        priv->grabber->cursor() != nullptr &&
        gst_query_find_allocation_meta(query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, nullptr);
    priv->grabber->set_cursor_drawing(!priv->cursor_overlay);
    if (priv->cursor_overlay)
        GST_INFO_OBJECT(self, "downstream composes overlays: the pointer goes in a meta");
    const auto &slots = priv->grabber->slot_pool();
    if (!slots) // GetImage: frames come wrapped from the replies, no pool needed.
        return GST_BASE_SRC_CLASS(parent_class)->decide_allocation(basesrc, query);

    GstCaps *caps = nullptr;
    gst_query_parse_allocation(query, &caps, nullptr);
    guint downstream_min = 0;
    if (gst_query_get_n_allocation_pools(query) > 0)
        gst_query_parse_nth_allocation_pool(query, 0, nullptr, nullptr, &downstream_min, nullptr);

    guint max_slots;
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        max_slots = priv->settings.max_slots;
    }
    const guint min = downstream_min + POOL_HEADROOM;
    guint max = std::max(max_slots, min);
    if (max > max_slots)
        GST_WARNING_OBJECT(self, "downstream keeps %u buffers: using %u slots, above max-slots=%u",
                           downstream_min, max, max_slots);
    const guint size = guint(priv->grabber->frame_size());

    GstBufferPool *pool = gst_xshm_buffer_pool_new(slots, priv->info);
    GstStructure *config = gst_buffer_pool_get_config(pool);
    gst_buffer_pool_config_set_params(config, caps, size, min, max);
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    if (!gst_buffer_pool_set_config(pool, config)) {
        gst_object_unref(pool);
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("cannot configure the slot pool"), (nullptr));
        return FALSE;
    }
    if (gst_query_get_n_allocation_pools(query) > 0)
        gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
    else
        gst_query_add_allocation_pool(query, pool, size, min, max);
    gst_object_replace(reinterpret_cast<GstObject **>(&priv->pool), GST_OBJECT_CAST(pool));
    gst_object_unref(pool);
    GST_DEBUG_OBJECT(self, "slot pool %u..%u of %u bytes", min, max, size);
    return TRUE;
}

static gboolean gst_xshm_src_query(GstBaseSrc *basesrc, GstQuery *query) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY || !priv->grabber)
        return GST_BASE_SRC_CLASS(parent_class)->query(basesrc, query);

    // A frame is stamped when its capture starts and pushed when it ends.
    const GstClockTime min = priv->latency;
    const GstClockTime frame = frame_duration(priv->info);
    guint slots;
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        slots = priv->settings.max_slots;
    }
    const GstClockTime max = GST_CLOCK_TIME_IS_VALID(frame) ? min + frame * (slots - 1)
                                                            : GST_CLOCK_TIME_NONE;
    GST_DEBUG_OBJECT(basesrc, "latency min %" GST_TIME_FORMAT " max %" GST_TIME_FORMAT,
                     GST_TIME_ARGS(min), GST_TIME_ARGS(max));
    gst_query_set_latency(query, TRUE, min, max);
    return TRUE;
}

// Waits for the next frame's time on the pipeline clock. Returns the frame
// number, or FLUSHING when unlock() interrupted the wait. Frames whose time
// already passed are skipped, not caught up, so a slow capture never waits.
static GstFlowReturn wait_for_next_frame(GstXShmSrc *self, guint64 *frame_number) {
    auto *priv = self->priv;
    const gint fps_n = GST_VIDEO_INFO_FPS_N(&priv->info);
    const gint fps_d = GST_VIDEO_INFO_FPS_D(&priv->info);
    GstClock *clock = gst_element_get_clock(GST_ELEMENT_CAST(self));
    if (clock == nullptr || fps_n <= 0) {
        if (clock != nullptr)
            gst_object_unref(clock);
        *frame_number = priv->last_frame + 1;
        return GST_FLOW_OK;
    }
    const GstClockTime base_time = gst_element_get_base_time(GST_ELEMENT_CAST(self));
    const GstClockTime now = gst_clock_get_time(clock) - base_time;
    const guint64 due = priv->last_frame == G_MAXUINT64 ? 0 : priv->last_frame + 1;
    const GstClockTime due_time = gst_util_uint64_scale(due, fps_d * GST_SECOND, fps_n);
    if (now >= due_time) {
        *frame_number = std::max(due, gst_util_uint64_scale(now, fps_n, fps_d * GST_SECOND));
        gst_object_unref(clock);
        return GST_FLOW_OK;
    }

    GstClockID id = gst_clock_new_single_shot_id(clock, due_time + base_time);
    gst_object_unref(clock);
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        if (priv->flushing) {
            gst_clock_id_unref(id);
            return GST_FLOW_FLUSHING;
        }
        priv->clock_id = id;
    }
    const GstClockReturn ret = gst_clock_id_wait(id, nullptr);
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        priv->clock_id = nullptr;
    }
    gst_clock_id_unref(id);
    if (ret == GST_CLOCK_UNSCHEDULED)
        return GST_FLOW_FLUSHING;
    *frame_number = due;
    return GST_FLOW_OK;
}

static GstClockTime running_time_now(GstXShmSrc *self) {
    GstClock *clock = gst_element_get_clock(GST_ELEMENT_CAST(self));
    if (clock == nullptr)
        return GST_CLOCK_TIME_NONE;
    const GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    return now - gst_element_get_base_time(GST_ELEMENT_CAST(self));
}

static void attach_cursor_overlay(GstXShmSrc *self, GstBuffer *buffer,
                                  const xshm::CursorState &state) {
    auto *priv = self->priv;
    if (priv->cursor_overlay && priv->grabber->cursor() != nullptr)
        priv->cursor_overlay_meta.attach(buffer, *priv->grabber->cursor(), state);
}

// Reports a longer capture than announced as new latency, so sinks adapt.
static void track_latency(GstXShmSrc *self, GstClockTime took) {
    auto *priv = self->priv;
    if (took <= priv->latency)
        return;
    priv->latency = took + took / 4;
    GST_INFO_OBJECT(self, "capture took %" GST_TIME_FORMAT ", latency now %" GST_TIME_FORMAT,
                    GST_TIME_ARGS(took), GST_TIME_ARGS(priv->latency.load()));
    gst_element_post_message(GST_ELEMENT_CAST(self),
                             gst_message_new_latency(GST_OBJECT_CAST(self)));
}

// Captures one frame into a buffer: into a pooled slot (only the changed rows
// when damage is tracked), or by GetImage.
static GstFlowReturn capture_frame(GstXShmSrc *self, GstBuffer **out, GstClockTime *grabbed_at,
                                   xshm::CaptureResult *result) {
    auto *priv = self->priv;
    xshm::Grabber &grabber = *priv->grabber;
    GstBuffer *buffer = nullptr;
    if (grabber.slot_pool()) {
        GstFlowReturn ret = gst_buffer_pool_acquire_buffer(priv->pool, &buffer, nullptr);
        if (ret == GST_FLOW_ERROR) {
            GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT,
                              ("cannot create another shared-memory slot (%u in use)",
                               grabber.slot_pool()->slots_created()),
                              ("see the xshmbufferpool debug log"));
            return ret;
        }
        if (ret != GST_FLOW_OK)
            return ret;
        *grabbed_at = running_time_now(self);
        xshm::SlotPool::Lease &slot = *gst_xshm_buffer_get_slot(buffer);
        try {
            *result = grabber.capture_into(slot);
        } catch (...) {
            gst_buffer_unref(buffer);
            throw;
        }
    } else {
        *grabbed_at = running_time_now(self);
        buffer = gst_xshm_buffer_new_wrapped(priv->allocator, grabber.capture_get_image(result),
                                             priv->info);
    }
    priv->last_state = result->state;
    *out = buffer;
    return GST_FLOW_OK;
}

static void count_frame(GstXShmSrc *self, const xshm::CaptureResult *captured, bool skipped) {
    auto *priv = self->priv;
    std::lock_guard<std::mutex> lock(priv->stats_lock);
    CaptureStats &st = priv->stats;
    st.cursor_fetches = priv->grabber->cursor_image_fetches();
    if (skipped) {
        ++st.skipped_frames;
        return;
    }
    ++st.frames;
    st.bytes_full += priv->grabber->frame_size();
    if (captured == nullptr) {
        ++st.repeated_frames;
        return;
    }
    ++(captured->full ? st.full_captures : st.partial_captures);
    st.bytes_fetched += captured->bytes_fetched;
}

// Whether the screen (and the pointer) is as the last pushed frame shows it:
// damage tracked, nothing in the region drawn since, the cursor unmoved.
static bool screen_unchanged(GstXShmSrc *self) {
    auto *priv = self->priv;
    if (!priv->grabber->tracks_damage())
        return false;
    const xshm::ScreenState now = priv->grabber->poll_state();
    return priv->last_buffer != nullptr && now == priv->last_state;
}

static bool layout_changed_quietly(GstXShmSrcPrivate *priv) {
    try {
        return priv->grabber->layout_changed();
    } catch (const std::exception &) {
        return false; // the caller reports its own error
    }
}

// The screen was resized or its monitors changed: find the region again with a
// new grabber and renegotiate (new caps if the size changed, in any case a new
// pool of slots). Buffers of the old grabber stay valid downstream.
static GstFlowReturn follow_layout(GstXShmSrc *self) {
    auto *priv = self->priv;
    std::unique_ptr<xshm::Grabber> grabber;
    try {
        grabber = std::make_unique<xshm::Grabber>(priv->options);
    } catch (const xshm::MonitorNotFound &e) {
        if (priv->eos_on_monitor_loss) {
            GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND, ("%s", e.what()),
                                ("the captured monitor is gone: end of stream"));
            return GST_FLOW_EOS;
        }
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", e.what()),
                          ("the captured monitor is gone (eos-on-monitor-loss=true ends the "
                           "stream instead)"));
        return GST_FLOW_ERROR;
    } catch (const xshm::WindowNotFound &e) {
        // The window closed: the recording of it is complete.
        GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND, ("%s", e.what()),
                            ("the captured window went away: end of stream"));
        return GST_FLOW_EOS;
    } catch (const std::exception &e) {
        GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", e.what()),
                          ("after the screen layout changed"));
        return GST_FLOW_ERROR;
    }
    const xshm::Region &r = grabber->region();
    GST_INFO_OBJECT(self, "screen layout changed: now capturing %ux%u+%d+%d", r.width, r.height,
                    r.x, r.y);
    gst_clear_buffer(&priv->last_buffer);
    priv->last_state = xshm::ScreenState();
    priv->grabber = std::move(grabber); // the old one disconnects; its slots stay readable
    if (!gst_base_src_negotiate(GST_BASE_SRC(self))) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("cannot renegotiate for %ux%u", r.width,
                                                    r.height), (nullptr));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    return GST_FLOW_OK;
}

static GstFlowReturn gst_xshm_src_create(GstPushSrc *pushsrc, GstBuffer **out) {
    auto *self = GST_XSHM_SRC(pushsrc);
    auto *priv = self->priv;

    for (;;) {
        guint64 frame_number = 0;
        GstFlowReturn ret = wait_for_next_frame(self, &frame_number);
        if (ret != GST_FLOW_OK)
            return ret;
        try {
            if (priv->grabber->layout_changed() && (ret = follow_layout(self)) != GST_FLOW_OK)
                return ret;
        } catch (const std::exception &e) {
            GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", e.what()), (nullptr));
            return GST_FLOW_ERROR;
        }

        GstClockTime grabbed_at = GST_CLOCK_TIME_NONE;
        GstBuffer *buffer = nullptr;
        xshm::CaptureResult captured;
        bool repeated = false;
        const gint64 begin = g_get_monotonic_time();
        try {
            if (screen_unchanged(self)) {
                priv->last_frame = frame_number;
                if (priv->skip_unchanged) {
                    count_frame(self, nullptr, true);
                    GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": unchanged, skipped",
                                   frame_number);
                    // Unpaced (0/1), a still screen would otherwise spin a core.
                    if (GST_VIDEO_INFO_FPS_N(&priv->info) <= 0)
                        g_usleep(G_USEC_PER_SEC / 1000);
                    continue;
                }
                // Same memory, new timestamps: no copy, no server work.
                grabbed_at = running_time_now(self);
                buffer = gst_buffer_copy(priv->last_buffer);
                repeated = true;
            } else {
                ret = capture_frame(self, &buffer, &grabbed_at, &captured);
                if (ret != GST_FLOW_OK)
                    return ret;
            }
        } catch (const xshm::ConnectionLost &e) {
            GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", e.what()),
                              ("the X server closed the connection or went away"));
            return GST_FLOW_ERROR;
        } catch (const std::exception &e) {
            // A resize between our check and the request fails the request:
            // follow the new layout rather than fail the stream.
            if (layout_changed_quietly(priv)) {
                if ((ret = follow_layout(self)) != GST_FLOW_OK)
                    return ret;
                continue;
            }
            GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", e.what()), (nullptr));
            return GST_FLOW_ERROR;
        }
        if (!repeated) {
            track_latency(self, GstClockTime(g_get_monotonic_time() - begin) * GST_USECOND);
            attach_cursor_overlay(self, buffer, captured.state.cursor);
        }
        count_frame(self, repeated ? nullptr : &captured, false);

        priv->last_frame = frame_number;
        GST_BUFFER_PTS(buffer) = grabbed_at;
        GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
        GST_BUFFER_DURATION(buffer) = frame_duration(priv->info);
        GST_BUFFER_OFFSET(buffer) = frame_number;
        GST_BUFFER_OFFSET_END(buffer) = frame_number + 1;
        if (priv->grabber->tracks_damage())
            gst_buffer_replace(&priv->last_buffer, buffer);
        GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT ": %s, %" G_GSIZE_FORMAT
                       " bytes fetched", frame_number, GST_TIME_ARGS(grabbed_at),
                       repeated ? "repeated" : captured.full ? "full" : "changed rows",
                       repeated ? gsize(0) : captured.bytes_fetched);
        *out = buffer;
        return GST_FLOW_OK;
    }
}

static gboolean gst_xshm_src_unlock(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        priv->flushing = true;
        if (priv->clock_id != nullptr)
            gst_clock_id_unschedule(priv->clock_id);
    }
    // Wakes a create() waiting for downstream to give a slot back.
    if (priv->pool != nullptr && gst_buffer_pool_is_active(priv->pool))
        gst_buffer_pool_set_flushing(priv->pool, TRUE);
    return TRUE;
}

static gboolean gst_xshm_src_unlock_stop(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        priv->flushing = false;
    }
    if (priv->pool != nullptr && gst_buffer_pool_is_active(priv->pool))
        gst_buffer_pool_set_flushing(priv->pool, FALSE);
    return TRUE;
}

static void gst_xshm_src_finalize(GObject *object) {
    auto *self = GST_XSHM_SRC(object);
    gst_clear_buffer(&self->priv->last_buffer);
    gst_clear_object(&self->priv->pool);
    gst_clear_object(&self->priv->allocator);
    delete self->priv;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_xshm_src_class_init(GstXShmSrcClass *klass) {
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS(klass);
    GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS(klass);

    object_class->set_property = gst_xshm_src_set_property;
    object_class->get_property = gst_xshm_src_get_property;
    object_class->finalize = gst_xshm_src_finalize;

    const auto ready = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                   GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(
        object_class, PROP_DISPLAY_NAME,
        g_param_spec_string("display-name", "Display", "X display to capture, e.g. \":0\" "
                            "(default: $DISPLAY)", nullptr, ready));
    g_object_class_install_property(
        object_class, PROP_MONITOR,
        g_param_spec_string("monitor", "Monitor", "Capture one monitor: \"primary\", a RandR "
                            "monitor or output name (e.g. \"HDMI-1\") or an index; the region "
                            "properties then apply inside it (default: the whole X screen)",
                            nullptr, ready));
    g_object_class_install_property(
        object_class, PROP_XID,
        g_param_spec_uint64("xid", "Window id", "Capture this window (its own contents where "
                            "the server has Composite); the region properties apply inside it; "
                            "0 = none", 0, G_MAXUINT32, 0, ready));
    g_object_class_install_property(
        object_class, PROP_XNAME,
        g_param_spec_string("xname", "Window name", "Capture the window with this title "
                            "(WM_NAME or _NET_WM_NAME) or WM_CLASS", nullptr, ready));
    g_object_class_install_property(
        object_class, PROP_STARTX,
        g_param_spec_uint("startx", "Start X", "Left edge of the captured area (pixels)", 0,
                          G_MAXINT16, 0, ready));
    g_object_class_install_property(
        object_class, PROP_STARTY,
        g_param_spec_uint("starty", "Start Y", "Top edge of the captured area (pixels)", 0,
                          G_MAXINT16, 0, ready));
    g_object_class_install_property(
        object_class, PROP_ENDX,
        g_param_spec_uint("endx", "End X", "Right edge of the captured area, inclusive "
                          "(0 = the screen's right edge)", 0, G_MAXINT16, 0, ready));
    g_object_class_install_property(
        object_class, PROP_ENDY,
        g_param_spec_uint("endy", "End Y", "Bottom edge of the captured area, inclusive "
                          "(0 = the screen's bottom edge)", 0, G_MAXINT16, 0, ready));
    g_object_class_install_property(
        object_class, PROP_REMOTE,
        g_param_spec_boolean("remote", "Remote display", "Capture with GetImage instead of "
                             "MIT-SHM (for displays that cannot share memory)", FALSE, ready));
    g_object_class_install_property(
        object_class, PROP_MAX_SLOTS,
        g_param_spec_uint("max-slots", "Maximum slots", "Most shared-memory frames in flight; "
                          "when downstream holds them all, capture waits for one to come back",
                          2, 256, DEFAULT_MAX_SLOTS, ready));
    g_object_class_install_property(
        object_class, PROP_CAPTURE_PATH,
        g_param_spec_string("capture-path", "Capture path", "How frames are captured, known "
                            "once started: shm-memfd, shm-sysv (zero-copy) or get-image "
                            "(fallback without MIT-SHM)", nullptr,
                            GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
    g_object_class_install_property(
        object_class, PROP_USE_DAMAGE,
        g_param_spec_boolean("use-damage", "Use damage", "Track changes with the DAMAGE "
                             "extension: fetch only the rows that changed, and push the last "
                             "frame again without any copy while nothing changes (full captures "
                             "where the server lacks DAMAGE)", TRUE, ready));
    g_object_class_install_property(
        object_class, PROP_SKIP_UNCHANGED,
        g_param_spec_boolean("skip-unchanged", "Skip unchanged", "With use-damage: push nothing "
                             "while the screen does not change (variable frame rate) instead of "
                             "pushing the last frame again", FALSE, ready));
    g_object_class_install_property(
        object_class, PROP_EOS_ON_MONITOR_LOSS,
        g_param_spec_boolean("eos-on-monitor-loss", "EOS on monitor loss", "When the captured "
                             "monitor disappears, end the stream (EOS) instead of posting an "
                             "error", FALSE, ready));
    g_object_class_install_property(
        object_class, PROP_STATS,
        g_param_spec_boxed("stats", "Statistics", "What capture cost since start: frames, "
                           "full-captures, partial-captures, repeated-frames, skipped-frames, "
                           "bytes-fetched, bytes-full-frames, cursor-image-fetches",
                           GST_TYPE_STRUCTURE,
                           GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
    g_object_class_install_property(
        object_class, PROP_SHOW_POINTER,
        g_param_spec_boolean("show-pointer", "Show pointer", "Draw the mouse pointer into the "
                             "frames (its image is fetched only when it changes)", TRUE, ready));

    gst_element_class_set_static_metadata(
        element_class, "X11 shared-memory screen source", "Source/Video",
        "Captures an X11 screen or a region of it with XCB and MIT-SHM, without copying pixels",
        "xshm developers");
    gst_element_class_add_static_pad_template(element_class, &src_template);

    basesrc_class->start = gst_xshm_src_start;
    basesrc_class->stop = gst_xshm_src_stop;
    basesrc_class->get_caps = gst_xshm_src_get_caps;
    basesrc_class->fixate = gst_xshm_src_fixate;
    basesrc_class->set_caps = gst_xshm_src_set_caps;
    basesrc_class->decide_allocation = gst_xshm_src_decide_allocation;
    basesrc_class->query = gst_xshm_src_query;
    basesrc_class->unlock = gst_xshm_src_unlock;
    basesrc_class->unlock_stop = gst_xshm_src_unlock_stop;
    pushsrc_class->create = gst_xshm_src_create;

    GST_DEBUG_CATEGORY_INIT(gst_xshm_src_debug, "xshmsrc", 0, "X11 MIT-SHM screen source");
}

static void gst_xshm_src_init(GstXShmSrc *self) {
    self->priv = new GstXShmSrcPrivate();
    self->priv->allocator = gst_xshm_allocator_get();
    gst_video_info_init(&self->priv->info);
    gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
    gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}
