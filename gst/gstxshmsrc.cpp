// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmsrc.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include <gst/video/video.h>

#include "capture_session.h"
#include "error.h"
#include "gstxshmallocator.h"
#include "gstxshmbufferpool.h"
#include "gstxshmcursoroverlay.h"
#include "thread_handover.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_src_debug);
#define GST_CAT_DEFAULT gst_xshm_src_debug

namespace {

// Slots beyond downstream's minimum: one being captured, one in flight.
constexpr guint POOL_HEADROOM = 2;
constexpr gint DEFAULT_RATE = 30;

#define XSHM_FORMATS                                                                               \
    "{ BGRx, BGRA, RGBx, RGBA, xRGB, ARGB, xBGR, ABGR, RGB16, BGR16, RGB15, BGR15, "               \
    "I420, NV12, Y444 }"
#define XSHM_COMMON                                                                                \
    "video/x-raw, format = (string) " XSHM_FORMATS ", width = (int) [ 1, MAX ], "                  \
    "height = (int) [ 1, MAX ], pixel-aspect-ratio = (fraction) 1/1"

// Constant rate (framerate 0/1: as fast as capture goes), or variable rate
// the way pipewiresrc says it: framerate 0/1 with the pace in max-framerate.
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS(XSHM_COMMON
                    ", framerate = (fraction) [ 0/1, MAX ]; " XSHM_COMMON
                    ", framerate = (fraction) 0/1, max-framerate = (fraction) [ 1/1, MAX ]"));

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
    PROP_KEEPALIVE_TIME,
    PROP_STATS,
    PROP_MONITOR,
    PROP_EOS_ON_MONITOR_LOSS,
    PROP_XID,
    PROP_XNAME,
    PROP_CAPTURE_SOURCE,
};

// What may change while capturing is said once, in the flags the property is
// installed with.
bool is_live_property(const GParamSpec *pspec) {
    return (pspec->flags & GST_PARAM_MUTABLE_PLAYING) != 0;
}

// What threads other than the streaming one read (caps and latency queries,
// the "capture-path" and "stats" properties): copied here under `lock`.
struct Snapshot {
    xshm::FrameFormat format;
    GstClockTime latency = 0;                  // measured capture time
    GstClockTime period = GST_CLOCK_TIME_NONE; // the negotiated pace
    std::string capture_path;
    std::string capture_source;       // what start() found: "monitor HDMI-1 ... of X display ':0'"
    xshm::SessionStats stopped_stats; // the last session's, once it is gone
};

GstClockTime to_clock_time(xshm::Nanos t) { return t < 0 ? GST_CLOCK_TIME_NONE : GstClockTime(t); }

} // namespace

// Who owns what: `settings` is any thread's, under `settings_lock`.
// `session` is made by start() and freed by stop(), on the thread that changes
// the state (no streaming then), under `lock`; that it is there is the one
// "started" (fixed settings only warn, `snapshot` holds its format). The
// streaming thread uses it without the lock, other threads only call its
// thread-safe methods, under `lock`. `snapshot` is under `lock`. Where both
// locks are taken, `lock` is taken first.
// The streaming block is the streaming thread's (create, set_caps,
// decide_allocation and negotiate all run there). `clock_id` and `flushing`
// are under `clock_lock`, against unlock() and send_event() from other threads.
struct GstXShmSrcPrivate {
    std::mutex settings_lock;
    xshm::SessionOptions settings;
    std::atomic<bool> live_settings_changed{false};

    std::mutex lock;
    std::unique_ptr<xshm::CaptureSession> session;
    Snapshot snapshot;

    // Streaming thread.
    GstVideoInfo layout;              // the negotiated frames, with the server's stride
    GstBuffer *last_buffer = nullptr; // repeats, keepalives and the closing frame copy it
    // Set by start() and unlock_stop(): basesrc marks the next buffer DISCONT.
    std::atomic<bool> discont_next{true};
    bool cursor_overlay = false;      // downstream composes the pointer from a meta
    XShmCursorOverlay cursor_overlay_meta;

    std::mutex clock_lock;
    GstClockID clock_id = nullptr;
    bool flushing = false;

    GstAllocator *allocator = nullptr; // set once in init
};

struct _GstXShmSrc {
    GstPushSrc parent;
    GstXShmSrcPrivate *priv;
};

/**
 * SECTION:element-xshmsrc
 * @title: xshmsrc
 * @see_also: ximagesrc, pipewiresrc, xshm-record(1)
 *
 * Captures an X11 screen, one RandR monitor, a rectangle of either, or one
 * window, through XCB and MIT-SHM. The X server writes each frame straight
 * into a pooled shared-memory slot (memfd, or a SysV segment of mode 0600)
 * that is the #GstBuffer's memory: no copy in the client. A slot returns to
 * the pool when the last reference to its buffer is dropped, from any thread;
 * `max-slots` bounds how many are out at once, and capture waits (with a
 * warning) while downstream holds them all.
 *
 * With the DAMAGE extension only the rows that changed are fetched, and a
 * still screen costs no copy at all. With `skip-unchanged=true` frames are
 * pushed only when something changed: the caps say `framerate=0/1` with the
 * pace in `max-framerate` (variable frame rate as pipewiresrc does it), and
 * `keepalive-time` repeats the last frame for muxers and viewers. An upstream
 * force-key-unit event for running time T gets a frame at the first frame
 * time at or after T, still screen or not, preceded by a downstream
 * force-key-unit so that the encoder makes it a keyframe. Asked for
 * I420, NV12 or Y444, it converts with libyuv, and only the rows that changed
 * (colorimetry=bt601 and chroma-site=jpeg: what libyuv computes).
 *
 * Where it differs from ximagesrc: a region outside the screen, an unknown
 * `xname`, `xid` or `monitor` is an error naming what exists (ximagesrc clamps
 * or captures the whole screen); the default rate is 30/1 (ximagesrc 25/1).
 * The source is live; its latency is the measured capture time, as
 * d3d12screencapturesrc reports it.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e xshmsrc skip-unchanged=true keepalive-time=2000 ! video/x-raw,format=I420 ! \
 *     queue ! x264enc tune=zerolatency ! matroskamux ! filesink location=screen.mkv
 * ]| Records the screen: frames only when it changed (at most 30 a second),
 * converted to I420 row by row as they change; Ctrl-C ends the file cleanly.
 * `xshm-record screen.mkv` does the same with more care (hardware encoders,
 * keyframes, audio, a file that survives being killed).
 * |[
 * gst-launch-1.0 xshmsrc startx=100 starty=50 endx=739 endy=529 ! videoconvert ! autovideosink
 * ]| Shows the 640x480 rectangle at 100,50 (the end coordinates are inclusive).
 * |[
 * gst-launch-1.0 xshmsrc monitor=HDMI-1 ! videoconvert ! autovideosink
 * ]| Shows one monitor (`primary`, a RandR monitor or output name, or an index;
 * an unknown name is an error that lists the monitors).
 * |[
 * gst-launch-1.0 xshmsrc xname=firefox ! videoconvert ! autovideosink
 * ]| Shows the window whose title or class is, or contains, "firefox"; it is
 * followed when it moves or is resized, and captured whole even when covered
 * (with Composite). `xid=0x1e00003` picks a window by its id.
 * |[
 * gst-launch-1.0 xshmsrc skip-unchanged=true ! video/x-raw,max-framerate=60/1 ! \
 *     videoconvert ! autovideosink
 * ]| Content-driven: up to 60 frames a second while the screen changes, none
 * while it is still.
 * |[
 * gst-launch-1.0 -e xshmsrc ! video/x-raw,format=NV12,framerate=30/1 ! queue ! \
 *     x264enc tune=zerolatency ! mp4mux ! filesink location=screen.mp4
 * ]| Encoder-ready YUV at a constant 30 frames a second: NV12 straight from
 * the source with no videoconvert, as hardware encoders (vah264enc,
 * nvh264enc) take it too.
 */

#define gst_xshm_src_parent_class parent_class
G_DEFINE_TYPE(GstXShmSrc, gst_xshm_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(xshmsrc, "xshmsrc", GST_RANK_NONE, GST_TYPE_XSHM_SRC)

// The streaming thread's session. Only start() and stop() replace the pointer,
// never while streaming; reading it under `lock` also shows ThreadSanitizer so.
static xshm::CaptureSession &streaming_session(GstXShmSrcPrivate *priv) {
    std::lock_guard<std::mutex> lock(priv->lock);
    return *priv->session;
}

// ---------------------------------------------------------------- properties

static void set_string(std::string &field, const GValue *value) {
    const gchar *text = g_value_get_string(value);
    field = text ? text : "";
}

// False for what is not a setting (a read-only property, an unknown id).
static bool store_property(xshm::SessionOptions &s, guint prop_id, const GValue *value) {
    xshm::GrabberOptions &g = s.grabber;
    switch (prop_id) {
    case PROP_DISPLAY_NAME: set_string(g.source.display_name, value); break;
    case PROP_MONITOR: set_string(g.source.monitor, value); break;
    case PROP_STARTX: g.source.region.startx = g_value_get_uint(value); break;
    case PROP_STARTY: g.source.region.starty = g_value_get_uint(value); break;
    case PROP_ENDX: g.source.region.endx = g_value_get_uint(value); break;
    case PROP_ENDY: g.source.region.endy = g_value_get_uint(value); break;
    case PROP_REMOTE: g.force_get_image = g_value_get_boolean(value); break;
    case PROP_MAX_SLOTS: g.max_slots = g_value_get_uint(value); break;
    case PROP_USE_DAMAGE: g.use_damage = g_value_get_boolean(value); break;
    case PROP_SHOW_POINTER: g.show_pointer = g_value_get_boolean(value); break;
    case PROP_XID: g.source.xid = uint32_t(g_value_get_uint64(value)); break;
    case PROP_XNAME: set_string(g.source.xname, value); break;
    case PROP_SKIP_UNCHANGED: s.skip_unchanged = g_value_get_boolean(value); break;
    case PROP_KEEPALIVE_TIME: s.keepalive_ms = g_value_get_uint(value); break;
    case PROP_EOS_ON_MONITOR_LOSS: s.eos_on_monitor_loss = g_value_get_boolean(value); break;
    default: return false;
    }
    return true;
}

static void gst_xshm_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) {
    auto *self = GST_XSHM_SRC(object);
    auto *priv = self->priv;
    bool stored = false, ignored_now = false;
    {
        // A fixed setting stored while start() opens the display, before the
        // session is there, is the next start's, and says nothing.
        std::lock_guard<std::mutex> lock(priv->lock);
        std::lock_guard<std::mutex> settings_lock(priv->settings_lock);
        stored = store_property(priv->settings, prop_id, value);
        ignored_now = priv->session && !is_live_property(pspec);
    }
    if (!stored) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        return;
    }
    if (is_live_property(pspec))
        priv->live_settings_changed = true;
    if (ignored_now)
        GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                            ("'%s' cannot change while capturing: the new value takes effect "
                             "when the element is started again",
                             pspec->name),
                            (nullptr));
}

static GstStructure *stats_structure(const xshm::SessionStats &st) {
    GstStructure *s = gst_structure_new_empty("xshmsrc-stats");
    xshm::for_each_stat(st, [s](const char *name, uint64_t value) {
        gst_structure_set(s, name, G_TYPE_UINT64, guint64(value), nullptr);
    });
    return s;
}

// Names the fields of stats_structure(); interned, as a static string.
static const gchar *stats_blurb() {
    std::string blurb = "What capture cost since start";
    const char *separator = ": ";
    for (const xshm::StatField &field : xshm::kStatFields) {
        blurb += separator;
        blurb += field.name;
        separator = ", ";
    }
    return g_intern_string(blurb.c_str());
}

static void get_status_property(GstXShmSrcPrivate *priv, guint prop_id, GValue *value) {
    std::lock_guard<std::mutex> lock(priv->lock);
    if (prop_id == PROP_CAPTURE_PATH) {
        const std::string &path = priv->snapshot.capture_path;
        g_value_set_string(value, path.empty() ? nullptr : path.c_str());
        return;
    }
    if (prop_id == PROP_CAPTURE_SOURCE) {
        const std::string &text = priv->snapshot.capture_source;
        g_value_set_string(value, text.empty() ? nullptr : text.c_str());
        return;
    }
    g_value_take_boxed(value, stats_structure(priv->session ? priv->session->stats()
                                                            : priv->snapshot.stopped_stats));
}

static void gst_xshm_src_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) {
    auto *priv = GST_XSHM_SRC(object)->priv;
    if (prop_id == PROP_CAPTURE_PATH || prop_id == PROP_STATS || prop_id == PROP_CAPTURE_SOURCE)
        return get_status_property(priv, prop_id, value);
    std::lock_guard<std::mutex> lock(priv->settings_lock);
    const xshm::SessionOptions &s = priv->settings;
    const xshm::GrabberOptions &g = s.grabber;
    auto set_text = [value](const std::string &text) {
        g_value_set_string(value, text.empty() ? nullptr : text.c_str());
    };
    switch (prop_id) {
    case PROP_DISPLAY_NAME: set_text(g.source.display_name); break;
    case PROP_MONITOR: set_text(g.source.monitor); break;
    case PROP_STARTX: g_value_set_uint(value, g.source.region.startx); break;
    case PROP_STARTY: g_value_set_uint(value, g.source.region.starty); break;
    case PROP_ENDX: g_value_set_uint(value, g.source.region.endx); break;
    case PROP_ENDY: g_value_set_uint(value, g.source.region.endy); break;
    case PROP_REMOTE: g_value_set_boolean(value, g.force_get_image); break;
    case PROP_MAX_SLOTS: g_value_set_uint(value, g.max_slots); break;
    case PROP_USE_DAMAGE: g_value_set_boolean(value, g.use_damage); break;
    case PROP_SHOW_POINTER: g_value_set_boolean(value, g.show_pointer); break;
    case PROP_XID: g_value_set_uint64(value, g.source.xid); break;
    case PROP_XNAME: set_text(g.source.xname); break;
    case PROP_SKIP_UNCHANGED: g_value_set_boolean(value, s.skip_unchanged); break;
    case PROP_KEEPALIVE_TIME: g_value_set_uint(value, s.keepalive_ms); break;
    case PROP_EOS_ON_MONITOR_LOSS: g_value_set_boolean(value, s.eos_on_monitor_loss); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
}

// ------------------------------------------------------------ errors, in one place

// A message stamped where the core decided it, not here, and logged there as
// GST_ELEMENT_ERROR and GST_ELEMENT_WARNING log theirs.
static void post(GstXShmSrc *self, GstMessageType type, GstResourceError code,
                 const xshm::Step &step) {
    const xshm::SourceLocation &at = step.where;
    const gchar *detail = step.detail.empty() ? nullptr : step.detail.c_str();
    gst_debug_log(GST_CAT_DEFAULT, GST_LEVEL_WARNING, at.file, at.function, at.line, G_OBJECT(self),
                  "%s%s%s", step.message.c_str(), detail ? ": " : "", detail ? detail : "");
    gst_element_message_full(GST_ELEMENT(self), type, GST_RESOURCE_ERROR, code,
                             g_strdup(step.message.c_str()), g_strdup(detail), at.file, at.function,
                             at.line);
}

// The session's failures as element messages and flow returns.
static GstFlowReturn report(GstXShmSrc *self, const xshm::Step &step) {
    if (step.outcome == xshm::Outcome::Ended) {
        if (!step.message.empty())
            post(self, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR_NOT_FOUND, step);
        return GST_FLOW_EOS;
    }
    GstResourceError code = GST_RESOURCE_ERROR_READ;
    switch (step.failure) {
    case xshm::Failure::Open: code = GST_RESOURCE_ERROR_OPEN_READ; break;
    case xshm::Failure::NotFound: code = GST_RESOURCE_ERROR_NOT_FOUND; break;
    case xshm::Failure::NoSpace: code = GST_RESOURCE_ERROR_NO_SPACE_LEFT; break;
    default: break;
    }
    post(self, GST_MESSAGE_ERROR, code, step);
    return GST_FLOW_ERROR;
}

// --------------------------------------------------------------- start, stop

static xshm::Nanos running_time_now(GstElement *element) {
    GstClock *clock = gst_element_get_clock(element);
    if (clock == nullptr)
        return xshm::kNoTime;
    const GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    const GstClockTime base = gst_element_get_base_time(element);
    return now < base ? 0 : xshm::Nanos(now - base);
}

static void log_source(GstXShmSrc *self, const xshm::CaptureSession &session, bool want_damage) {
    const xshm::Grabber &g = session.grabber();
    const xshm::Region &r = g.region();
    GST_INFO_OBJECT(self, "capturing %ux%u+%d+%d of %s on display '%s' as %s via %s: %s", r.width,
                    r.height, r.x, r.y, g.source_description().c_str(), g.display_name().c_str(),
                    g.format().gst_format.c_str(), xshm::capture_path_name(g.path()),
                    g.path_reason().c_str());
    if (g.path() == xshm::CapturePath::GetImage)
        GST_WARNING_OBJECT(self, "not zero-copy: %s", g.path_reason().c_str());
    if (!g.source_caveat().empty())
        GST_WARNING_OBJECT(self, "%s", g.source_caveat().c_str());
    if (want_damage && !g.tracks_damage())
        GST_WARNING_OBJECT(self, "use-damage: the X server has no DAMAGE 1.1 / XFIXES 2, every "
                                 "frame is a full capture");
}

static gboolean gst_xshm_src_start(GstBaseSrc *basesrc) {
    auto *self = GST_XSHM_SRC(basesrc);
    auto *priv = self->priv;
    xshm::SessionOptions settings;
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        settings = priv->settings;
    }
    priv->live_settings_changed = false;
    priv->discont_next = true;
    std::unique_ptr<xshm::CaptureSession> session;
    try {
        GstElement *element = GST_ELEMENT(self);
        session = std::make_unique<xshm::CaptureSession>(
            settings, [element] { return running_time_now(element); });
    } catch (const std::exception &e) {
        xshm::Step failure = xshm::CaptureSession::failure_of(e, xshm::Failure::Open);
        failure.detail = "display-name=" + settings.grabber.source.display_name + " " +
                         settings.grabber.source.region.describe();
        report(self, failure);
        return FALSE;
    }
    log_source(self, *session, settings.grabber.use_damage);
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        Snapshot &snap = priv->snapshot;
        snap = Snapshot();
        snap.format = session->format();
        snap.latency = to_clock_time(session->latency());
        snap.capture_path = xshm::capture_path_name(session->grabber().path());
        snap.capture_source = session->grabber().source_description() + " of X display '" +
                              session->grabber().display_name() + "'";
        priv->session = std::move(session);
    }
    g_object_notify(G_OBJECT(self), "capture-path");
    return TRUE;
}

static gboolean gst_xshm_src_stop(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    gst_clear_buffer(&priv->last_buffer);
    priv->cursor_overlay_meta.reset();
    std::unique_ptr<xshm::CaptureSession> session;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        if (priv->session)
            priv->snapshot.stopped_stats = priv->session->stats();
        session = std::move(priv->session);
    }
    // Slots still held downstream stay mapped; they no longer detach.
    session.reset();
    return TRUE;
}

// ------------------------------------------------------------------- caps

static GstCaps *frame_caps(const gchar *format, guint width, guint height, bool variable_rate) {
    GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, "width",
                                        G_TYPE_INT, gint(width), "height", G_TYPE_INT, gint(height),
                                        "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
    GstStructure *s = gst_caps_get_structure(caps, 0);
    if (variable_rate)
        gst_structure_set(s, "framerate", GST_TYPE_FRACTION, 0, 1, "max-framerate",
                          GST_TYPE_FRACTION_RANGE, 1, 1, G_MAXINT, 1, nullptr);
    else
        gst_structure_set(s, "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, nullptr);
    return caps;
}

GstCaps *gst_xshm_src_frame_caps(const gchar *format, guint width, guint height) {
    return frame_caps(format, width, height, false);
}

// The screen's own format first (zero-copy), then what is converted here with
// libyuv: BT.601 limited range, 2x2 averaged chroma (centred: "jpeg" siting).
static GstCaps *offered_caps(const xshm::FrameFormat &format) {
    GstCaps *caps =
        frame_caps(format.gst_format.c_str(), format.width, format.height, format.variable_rate);
    if (!format.converts)
        return caps;
    for (xshm::OutputFormat output : xshm::converted_formats()) {
        GstCaps *yuv = frame_caps(xshm::output_format_name(output), format.width, format.height,
                                  format.variable_rate);
        gst_caps_set_simple(yuv, "colorimetry", G_TYPE_STRING, "bt601", "chroma-site",
                            G_TYPE_STRING, "jpeg", nullptr);
        gst_caps_append(caps, yuv);
    }
    return caps;
}

static GstCaps *gst_xshm_src_get_caps(GstBaseSrc *basesrc, GstCaps *filter) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    GstCaps *caps = nullptr;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        if (priv->session)
            caps = offered_caps(priv->snapshot.format);
    }
    if (caps == nullptr)
        return GST_BASE_SRC_CLASS(parent_class)->get_caps(basesrc, filter);
    if (filter != nullptr) {
        GstCaps *filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = filtered;
    }
    return caps;
}

static GstCaps *gst_xshm_src_fixate(GstBaseSrc *basesrc, GstCaps *caps) {
    caps = gst_caps_make_writable(caps);
    for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
        GstStructure *s = gst_caps_get_structure(caps, i);
        const bool variable = gst_structure_has_field(s, "max-framerate");
        gst_structure_fixate_field_nearest_fraction(s, variable ? "max-framerate" : "framerate",
                                                    DEFAULT_RATE, 1);
    }
    return GST_BASE_SRC_CLASS(parent_class)->fixate(basesrc, caps);
}

static gboolean gst_xshm_src_set_caps(GstBaseSrc *basesrc, GstCaps *caps) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    GstVideoInfo info;
    if (!gst_video_info_from_caps(&info, caps))
        return FALSE;
    xshm::CaptureSession &session = streaming_session(priv);
    const auto output =
        xshm::output_format_from_name(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)));
    const std::string error = session.set_output(output.value_or(xshm::OutputFormat::Native));
    if (!error.empty()) {
        GST_ELEMENT_ERROR(basesrc, CORE, NEGOTIATION, ("%s", error.c_str()), (nullptr));
        return FALSE;
    }
    if (!output) { // the server lays rows out with its own padding; describe exactly that
        info.stride[0] = gint(session.format().stride);
        info.size = session.format().size;
    }
    gint pace_n = GST_VIDEO_INFO_FPS_N(&info), pace_d = GST_VIDEO_INFO_FPS_D(&info);
    gst_structure_get_fraction(gst_caps_get_structure(caps, 0), "max-framerate", &pace_n, &pace_d);
    session.set_rate(guint(std::max(pace_n, 0)), guint(std::max(pace_d, 0)));
    priv->layout = info;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        priv->snapshot.period = to_clock_time(session.frame_period());
    }
    GST_DEBUG_OBJECT(basesrc, "negotiated %" GST_PTR_FORMAT, caps);
    return TRUE;
}

// Says what downstream wanted instead of a bare "not-negotiated".
static gboolean gst_xshm_src_negotiate(GstBaseSrc *basesrc) {
    if (GST_BASE_SRC_CLASS(parent_class)->negotiate(basesrc))
        return TRUE;
    GstCaps *ours = gst_pad_query_caps(GST_BASE_SRC_PAD(basesrc), nullptr);
    GstCaps *theirs = gst_pad_peer_query_caps(GST_BASE_SRC_PAD(basesrc), nullptr);
    if (gst_caps_can_intersect(ours, theirs)) { // failed for another reason, said elsewhere
        gst_caps_unref(ours);
        gst_caps_unref(theirs);
        return FALSE;
    }
    gchar *ours_text = gst_caps_to_string(ours), *theirs_text = gst_caps_to_string(theirs);
    const bool variable = strstr(ours_text, "max-framerate") != nullptr;
    GST_ELEMENT_ERROR(basesrc, CORE, NEGOTIATION,
                      ("downstream accepts none of the frames xshmsrc makes%s",
                       variable ? " (skip-unchanged=true makes a variable frame rate: ask for "
                                  "max-framerate=N/1, not framerate=N/1, or add videorate)"
                                : ""),
                      ("xshmsrc offers %s; downstream accepts %s", ours_text, theirs_text));
    g_free(ours_text);
    g_free(theirs_text);
    gst_caps_unref(ours);
    gst_caps_unref(theirs);
    return FALSE;
}

// --------------------------------------------------------------- allocation

// Creates the first slots now, so a failure says why (memfd, mmap, descriptors)
// instead of the pool's bare "not-negotiated".
static gboolean prepare_slots(GstXShmSrc *self, xshm::SlotPool &slots, guint count) {
    const std::string error = slots.preallocate(count);
    if (error.empty())
        return TRUE;
    GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT,
                      ("cannot create %u shared-memory slots: %s", count, error.c_str()),
                      ("while activating the slot pool"));
    return FALSE;
}

// Downstream composes the pointer from a meta, or we draw it into the frames.
static void decide_cursor_drawing(GstXShmSrc *self, xshm::CaptureSession &session,
                                  GstQuery *query) {
    auto *priv = self->priv;
    priv->cursor_overlay =
        gst_query_find_allocation_meta(query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, nullptr);
    session.set_cursor_drawing(!priv->cursor_overlay);
    if (priv->cursor_overlay)
        GST_INFO_OBJECT(self, "downstream composes overlays: the pointer goes in a meta");
}

// We insist on our own pool, over the session's frame slots (the screen's
// shared memory, or the converted frames): every frame pushed is acquired
// from it. GetImage frames are the server's replies, wrapped: no pool.
static gboolean gst_xshm_src_decide_allocation(GstBaseSrc *basesrc, GstQuery *query) {
    auto *self = GST_XSHM_SRC(basesrc);
    auto *priv = self->priv;
    xshm::CaptureSession &session = streaming_session(priv);
    decide_cursor_drawing(self, session, query);
    guint downstream_min = 0;
    if (gst_query_get_n_allocation_pools(query) > 0)
        gst_query_parse_nth_allocation_pool(query, 0, nullptr, nullptr, &downstream_min, nullptr);
    while (gst_query_get_n_allocation_pools(query) > 0)
        gst_query_remove_nth_allocation_pool(query, 0);
    const std::shared_ptr<xshm::SlotPool> slots = session.frame_pool();
    if (!slots)
        return TRUE;

    GstCaps *caps = nullptr;
    gst_query_parse_allocation(query, &caps, nullptr);
    const guint min = downstream_min + POOL_HEADROOM;
    const guint max = std::max(slots->max_slots(), min);
    if (max > slots->max_slots())
        GST_WARNING_OBJECT(self, "downstream keeps %u buffers: using %u slots, above max-slots=%u",
                           downstream_min, max, slots->max_slots());
    const guint size = guint(priv->layout.size);
    GstBufferPool *pool = gst_xshm_buffer_pool_new(slots, priv->layout);
    GstStructure *config = gst_buffer_pool_get_config(pool);
    gst_buffer_pool_config_set_params(config, caps, size, min, max);
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    if (!gst_buffer_pool_set_config(pool, config) || !prepare_slots(self, *slots, min)) {
        gst_object_unref(pool);
        return FALSE;
    }
    gst_query_add_allocation_pool(query, pool, size, min, max);
    session.lend_frames_from(gst_xshm_buffer_pool_lender(pool));
    gst_object_unref(pool);
    GST_DEBUG_OBJECT(self, "frame pool %u..%u of %u bytes", min, max, size);
    return TRUE;
}

// ------------------------------------------------------------------ latency

// Capture happens in create(), on the streaming thread: while downstream holds
// that thread, nothing is captured. Downstream may hold it for what is left of
// a frame period after our own capture time without delaying the next frame,
// so that slack is the max latency; a larger answer let a syncing sink add its
// processing deadline and throttle capture (60 fps delivered as ~40).
static gboolean gst_xshm_src_query(GstBaseSrc *basesrc, GstQuery *query) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
        return GST_BASE_SRC_CLASS(parent_class)->query(basesrc, query);
    GstClockTime min, period;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        if (!priv->session)
            return GST_BASE_SRC_CLASS(parent_class)->query(basesrc, query);
        min = priv->snapshot.latency;
        period = priv->snapshot.period;
    }
    const GstClockTime max =
        GST_CLOCK_TIME_IS_VALID(period) && period > 2 * min ? period - min : min;
    GST_DEBUG_OBJECT(basesrc, "latency min %" GST_TIME_FORMAT " max %" GST_TIME_FORMAT,
                     GST_TIME_ARGS(min), GST_TIME_ARGS(max));
    gst_query_set_latency(query, TRUE, min, max);
    return TRUE;
}

static void post_latency(GstXShmSrc *self, const xshm::CaptureSession &session) {
    auto *priv = self->priv;
    const GstClockTime latency = to_clock_time(session.latency());
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        priv->snapshot.latency = latency;
    }
    GST_INFO_OBJECT(self, "a capture took longer: latency now %" GST_TIME_FORMAT,
                    GST_TIME_ARGS(latency));
    gst_element_post_message(GST_ELEMENT_CAST(self),
                             gst_message_new_latency(GST_OBJECT_CAST(self)));
}

// ------------------------------------------------------------------ create

// Waits on the pipeline clock until running time `due`. FLUSHING when unlock()
// interrupted; OK at once when the stream is being closed.
static GstFlowReturn wait_until(GstXShmSrc *self, const xshm::CaptureSession &session,
                                xshm::Nanos due) {
    auto *priv = self->priv;
    GstClock *clock = gst_element_get_clock(GST_ELEMENT_CAST(self));
    if (clock == nullptr)
        return GST_FLOW_OK;
    GstClockID id = gst_clock_new_single_shot_id(
        clock, GstClockTime(due) + gst_element_get_base_time(GST_ELEMENT_CAST(self)));
    gst_object_unref(clock);
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        if (priv->flushing || session.closing()) {
            gst_clock_id_unref(id);
            return priv->flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
        }
        priv->clock_id = id;
    }
    const GstClockReturn ret = gst_clock_id_wait(id, nullptr);
    bool flushing;
    {
        std::lock_guard<std::mutex> lock(priv->clock_lock);
        priv->clock_id = nullptr;
        flushing = priv->flushing;
    }
    gst_clock_id_unref(id);
    return ret == GST_CLOCK_UNSCHEDULED && flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

// Waits for the next frame time of the negotiated pace.
static GstFlowReturn wait_for_frame_time(GstXShmSrc *self, const xshm::CaptureSession &session,
                                         xshm::FramePacer::Tick *tick) {
    const xshm::Nanos now = running_time_now(GST_ELEMENT_CAST(self));
    *tick = session.schedule(now == xshm::kNoTime ? 0 : now);
    if (now == xshm::kNoTime || tick->due <= now || session.closing())
        return GST_FLOW_OK;
    return wait_until(self, session, tick->due);
}

// The properties set while playing (GST_PARAM_MUTABLE_PLAYING) reach the session.
static void apply_live_settings(GstXShmSrc *self, xshm::CaptureSession &session) {
    auto *priv = self->priv;
    if (!priv->live_settings_changed.exchange(false))
        return;
    xshm::SessionOptions settings;
    {
        std::lock_guard<std::mutex> lock(priv->settings_lock);
        settings = priv->settings;
    }
    const std::string warning = session.update(settings);
    if (!warning.empty())
        GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s", warning.c_str()), (nullptr));
}

// The last frame is kept by reference, so it returns to the pool whole once
// replaced. Not the first after a start or a flush: basesrc makes that one
// writable to mark it DISCONT, which would copy it (out of the pool) were it
// shared; a copy of it is kept instead (sharing its memory, so its slot stays out).
static void keep_last(GstXShmSrcPrivate *priv, GstBuffer *buffer) {
    gst_clear_buffer(&priv->last_buffer);
    priv->last_buffer =
        priv->discont_next.exchange(false) ? gst_buffer_copy(buffer) : gst_buffer_ref(buffer);
}

static GstBuffer *frame_buffer(GstXShmSrc *self, const xshm::CaptureSession &session,
                               xshm::Frame &frame) {
    auto *priv = self->priv;
    GstBuffer *buffer;
    if (frame.kind == xshm::FrameKind::Captured) {
        buffer = gst_xshm_buffer_pool_take_buffer(*frame.memory);
        if (buffer == nullptr) // a GetImage reply
            buffer =
                gst_xshm_buffer_new_wrapped(priv->allocator, std::move(frame.memory), priv->layout);
        if (priv->cursor_overlay && session.grabber().cursor() != nullptr)
            priv->cursor_overlay_meta.attach(buffer, *session.grabber().cursor(),
                                             frame.capture.state.cursor);
        keep_last(priv, buffer);
    } else {
        // Same memory, new timestamps: no copy, no server work.
        g_return_val_if_fail(priv->last_buffer != nullptr, nullptr);
        buffer = gst_buffer_copy(priv->last_buffer);
    }
    GST_BUFFER_PTS(buffer) = to_clock_time(frame.timestamp);
    GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buffer) = to_clock_time(frame.duration);
    GST_BUFFER_OFFSET(buffer) = frame.number;
    GST_BUFFER_OFFSET_END(buffer) = frame.number + 1;
    handed_over(buffer); // released to the pool from whichever thread drops it last
    return buffer;
}

static void log_frame(GstXShmSrc *self, const xshm::Frame &frame) {
    static const char *const kinds[] = {"captured", "repeated", "keepalive", "closing",
                                        "requested"};
    GST_LOG_OBJECT(
        self,
        "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT ": %s%s, %" G_GSIZE_FORMAT
        " bytes fetched",
        frame.number, GST_TIME_ARGS(to_clock_time(frame.timestamp)), kinds[int(frame.kind)],
        frame.kind == xshm::FrameKind::Captured && !frame.capture.full ? " (changed rows)" : "",
        gsize(frame.capture.bytes_fetched));
}

// The frame that answers a key-unit request is to be the key unit: a
// downstream force-key-unit goes right before it, as uvch264src does. Its
// running time is NONE, "the next frame": GstVideoEncoder ignores a time at
// or before its last key unit in its own (possibly shifted) segment. Given to
// basesrc's send_event, which pushes it after the segment and just before
// this buffer (gst_element_send_event would take the state lock here).
static void ask_key_unit(GstXShmSrc *self, GstBuffer *buffer, const xshm::FrameRequest &request) {
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    const GstClockTime stream_time =
        gst_segment_to_stream_time(&GST_BASE_SRC(self)->segment, GST_FORMAT_TIME, pts);
    GST_DEBUG_OBJECT(
        self, "frame at %" GST_TIME_FORMAT " answers a key-unit request for %" GST_TIME_FORMAT,
        GST_TIME_ARGS(pts), GST_TIME_ARGS(to_clock_time(request.at)));
    GstEvent *event = gst_video_event_new_downstream_force_key_unit(
        pts, stream_time, GST_CLOCK_TIME_NONE, request.all_headers, request.count);
    GST_ELEMENT_CLASS(parent_class)->send_event(GST_ELEMENT_CAST(self), event);
}

// A new layout or rate: new caps and, through decide_allocation, a new pool.
static GstFlowReturn renegotiate(GstXShmSrc *self, const xshm::CaptureSession &session,
                                 const xshm::Step &step) {
    auto *priv = self->priv;
    GST_INFO_OBJECT(self, "%s", step.message.c_str());
    const xshm::FrameFormat format = session.format();
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        priv->snapshot.format = format;
    }
    gst_clear_buffer(&priv->last_buffer);
    if (!gst_base_src_negotiate(GST_BASE_SRC(self)))
        return GST_FLOW_NOT_NEGOTIATED;
    return GST_FLOW_OK;
}

static GstFlowReturn gst_xshm_src_create(GstPushSrc *pushsrc, GstBuffer **out) {
    auto *self = GST_XSHM_SRC(pushsrc);
    xshm::CaptureSession &session = streaming_session(self->priv);
    for (;;) {
        apply_live_settings(self, session);
        xshm::FramePacer::Tick tick;
        GstFlowReturn ret = wait_for_frame_time(self, session, &tick);
        if (ret != GST_FLOW_OK)
            return ret;
        xshm::Step step = session.next(tick);
        if (step.latency_grew)
            post_latency(self, session);
        switch (step.outcome) {
        case xshm::Outcome::Frame:
            log_frame(self, step.frame);
            *out = frame_buffer(self, session, step.frame);
            if (*out != nullptr && step.frame.answers)
                ask_key_unit(self, *out, *step.frame.answers);
            return *out != nullptr ? GST_FLOW_OK : GST_FLOW_ERROR;
        case xshm::Outcome::Nothing: continue;
        case xshm::Outcome::Stalled:
            GST_ELEMENT_WARNING(self, RESOURCE, BUSY, ("%s", step.message.c_str()),
                                ("release frames sooner (appsink: unref each sample when done), "
                                 "or raise max-slots"));
            continue;
        case xshm::Outcome::Renegotiate:
            if ((ret = renegotiate(self, session, step)) != GST_FLOW_OK)
                return ret;
            continue;
        case xshm::Outcome::Interrupted:
            if (session.closing())
                continue; // on to the closing frame
            return GST_FLOW_FLUSHING;
        case xshm::Outcome::Ended:
        case xshm::Outcome::Failed: return report(self, step);
        }
    }
}

// --------------------------------------------------------- unlock and EOS

static gboolean gst_xshm_src_unlock(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    std::lock_guard<std::mutex> lock(priv->lock);
    if (priv->session)
        priv->session->interrupt(); // a wait for a free slot or for the X server
    std::lock_guard<std::mutex> clock_lock(priv->clock_lock);
    priv->flushing = true;
    if (priv->clock_id != nullptr)
        gst_clock_id_unschedule(priv->clock_id);
    return TRUE;
}

static gboolean gst_xshm_src_unlock_stop(GstBaseSrc *basesrc) {
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    std::lock_guard<std::mutex> lock(priv->lock);
    if (priv->session)
        priv->session->resume();
    priv->discont_next = true;
    std::lock_guard<std::mutex> clock_lock(priv->clock_lock);
    priv->flushing = false;
    return TRUE;
}

// EOS sent to the element (gst-launch-1.0 -e, an application ending a
// recording): as pipewiresrc, the streaming thread is woken and pushes the
// last frame once more, stamped at this moment, before EOS, so the stream
// lasts until it was stopped and not until the last change.
static gboolean gst_xshm_src_send_event(GstElement *element, GstEvent *event) {
    auto *priv = GST_XSHM_SRC(element)->priv;
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
        std::lock_guard<std::mutex> lock(priv->lock);
        if (priv->session) {
            GST_DEBUG_OBJECT(element, "EOS: closing frame, then end of stream");
            std::lock_guard<std::mutex> clock_lock(priv->clock_lock);
            priv->session->request_close(running_time_now(element));
            if (priv->clock_id != nullptr)
                gst_clock_id_unschedule(priv->clock_id);
            gst_event_unref(event);
            return TRUE;
        }
    }
    return GST_ELEMENT_CLASS(parent_class)->send_event(element, event);
}

// An upstream force-key-unit, "a key unit at running time T" (sent to this
// pad by an application such as xshm-record; frame PTS are running times):
// the session sees that a frame comes at T even on a still screen, and
// create() asks for that frame to be the key unit.
static gboolean gst_xshm_src_event(GstBaseSrc *basesrc, GstEvent *event) {
    if (GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM ||
        !gst_video_event_is_force_key_unit(event))
        return GST_BASE_SRC_CLASS(parent_class)->event(basesrc, event);
    GstClockTime at = GST_CLOCK_TIME_NONE;
    gboolean all_headers = FALSE;
    guint count = 0;
    if (!gst_video_event_parse_upstream_force_key_unit(event, &at, &all_headers, &count))
        return FALSE;
    auto *priv = GST_XSHM_SRC(basesrc)->priv;
    std::lock_guard<std::mutex> lock(priv->lock);
    if (!priv->session)
        return FALSE;
    GST_DEBUG_OBJECT(basesrc, "key unit requested at %" GST_TIME_FORMAT ", count %u",
                     GST_TIME_ARGS(at), count);
    priv->session->request_frame(
        {GST_CLOCK_TIME_IS_VALID(at) ? xshm::Nanos(at) : xshm::kNoTime, bool(all_headers), count});
    return TRUE;
}

// ------------------------------------------------------------ class, instance

static void gst_xshm_src_finalize(GObject *object) {
    auto *self = GST_XSHM_SRC(object);
    gst_clear_buffer(&self->priv->last_buffer);
    gst_clear_object(&self->priv->allocator);
    delete self->priv;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void install_source_properties(GObjectClass *object_class, GParamFlags ready) {
    g_object_class_install_property(object_class, PROP_DISPLAY_NAME,
                                    g_param_spec_string("display-name", "Display",
                                                        "X display to capture, e.g. \":0\" "
                                                        "(default: $DISPLAY)",
                                                        nullptr, ready));
    g_object_class_install_property(
        object_class, PROP_MONITOR,
        g_param_spec_string("monitor", "Monitor",
                            "Capture one monitor: \"primary\", a RandR "
                            "monitor or output name (e.g. \"HDMI-1\") or an index (\"primary\" "
                            "is the first monitor where none is marked primary); the region "
                            "properties then apply inside it (default: the whole X screen)",
                            nullptr, ready));
    g_object_class_install_property(
        object_class, PROP_XID,
        g_param_spec_uint64("xid", "Window id",
                            "Capture this window (its own contents where "
                            "the server has Composite); the region properties apply inside it; "
                            "0 = none",
                            0, G_MAXUINT32, 0, ready));
    g_object_class_install_property(
        object_class, PROP_XNAME,
        g_param_spec_string("xname", "Window name",
                            "Capture the window with this title or "
                            "class, exactly, else as a case-insensitive part of it (\"firefox\"); "
                            "a name several windows match is an error listing them",
                            nullptr, ready));
    const struct {
        guint id;
        const char *name, *nick, *blurb;
    } edges[] = {
        {PROP_STARTX, "startx", "Start X", "Left edge of the captured area (pixels)"},
        {PROP_STARTY, "starty", "Start Y", "Top edge of the captured area (pixels)"},
        {PROP_ENDX, "endx", "End X",
         "Right edge of the captured area, inclusive (0 = the "
         "screen's right edge)"},
        {PROP_ENDY, "endy", "End Y",
         "Bottom edge of the captured area, inclusive (0 = the "
         "screen's bottom edge)"},
    };
    for (const auto &e : edges)
        g_object_class_install_property(
            object_class, e.id,
            g_param_spec_uint(e.name, e.nick, e.blurb, 0, G_MAXINT16, 0, ready));
}

static void install_capture_properties(GObjectClass *object_class, GParamFlags ready,
                                       GParamFlags live) {
    const auto readable = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_property(
        object_class, PROP_REMOTE,
        g_param_spec_boolean("remote", "Remote display",
                             "Capture with GetImage instead of "
                             "MIT-SHM (for displays that cannot share memory)",
                             FALSE, ready));
    g_object_class_install_property(
        object_class, PROP_MAX_SLOTS,
        g_param_spec_uint("max-slots", "Maximum slots",
                          "Most shared-memory frames in flight; "
                          "when downstream holds them all, capture waits for one to come back "
                          "(and warns after half a second)",
                          2, 256, 8, ready));
    g_object_class_install_property(
        object_class, PROP_CAPTURE_PATH,
        g_param_spec_string("capture-path", "Capture path",
                            "How frames are captured, known "
                            "once started: shm-memfd, shm-sysv (zero-copy) or get-image "
                            "(fallback without MIT-SHM)",
                            nullptr, readable));
    g_object_class_install_property(
        object_class, PROP_CAPTURE_SOURCE,
        g_param_spec_string("capture-source", "Capture source",
                            "What is captured, as found when started: \"the screen of X "
                            "display ':0'\", \"monitor HDMI-1 ...\", \"window 0x1e00003 ...\"",
                            nullptr, readable));
    g_object_class_install_property(
        object_class, PROP_USE_DAMAGE,
        g_param_spec_boolean("use-damage", "Use damage",
                             "Track changes with the DAMAGE "
                             "extension: fetch only the rows that changed, and push the last "
                             "frame again without any copy while nothing changes (full captures "
                             "where the server lacks DAMAGE)",
                             TRUE, ready));
    g_object_class_install_property(
        object_class, PROP_SHOW_POINTER,
        g_param_spec_boolean("show-pointer", "Show pointer",
                             "Draw the mouse pointer into the "
                             "frames (its image is fetched only when it changes)",
                             TRUE, live));
    g_object_class_install_property(
        object_class, PROP_STATS,
        g_param_spec_boxed("stats", "Statistics", stats_blurb(), GST_TYPE_STRUCTURE, readable));
}

static void install_stream_properties(GObjectClass *object_class, GParamFlags live) {
    g_object_class_install_property(
        object_class, PROP_SKIP_UNCHANGED,
        g_param_spec_boolean("skip-unchanged", "Skip unchanged",
                             "Push frames only when the "
                             "screen changed: a variable frame rate (caps framerate=0/1, the pace "
                             "in max-framerate, default 30/1), as pipewiresrc does",
                             FALSE, live));
    g_object_class_install_property(
        object_class, PROP_KEEPALIVE_TIME,
        g_param_spec_uint("keepalive-time", "Keepalive time",
                          "With skip-unchanged: push the "
                          "last frame again after this many milliseconds without a change, for "
                          "muxers, viewers and seeking (0 = never)",
                          0, G_MAXINT, xshm::kDefaultKeepaliveMs, live));
    g_object_class_install_property(
        object_class, PROP_EOS_ON_MONITOR_LOSS,
        g_param_spec_boolean("eos-on-monitor-loss", "EOS on monitor loss",
                             "When the captured "
                             "monitor disappears, end the stream (EOS) instead of posting an "
                             "error",
                             FALSE, live));
}

static void gst_xshm_src_class_init(GstXShmSrcClass *klass) {
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS(klass);

    object_class->set_property = gst_xshm_src_set_property;
    object_class->get_property = gst_xshm_src_get_property;
    object_class->finalize = gst_xshm_src_finalize;
    const auto ready =
        GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    const auto live =
        GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
    install_source_properties(object_class, ready);
    install_capture_properties(object_class, ready, live);
    install_stream_properties(object_class, live);

    gst_element_class_set_static_metadata(
        element_class, "X11 shared-memory screen source", "Source/Video",
        "Captures an X11 screen or a region of it with XCB and MIT-SHM, without copying pixels",
        "xshm developers");
    gst_element_class_add_static_pad_template(element_class, &src_template);
    element_class->send_event = gst_xshm_src_send_event;

    basesrc_class->start = gst_xshm_src_start;
    basesrc_class->stop = gst_xshm_src_stop;
    basesrc_class->get_caps = gst_xshm_src_get_caps;
    basesrc_class->fixate = gst_xshm_src_fixate;
    basesrc_class->set_caps = gst_xshm_src_set_caps;
    basesrc_class->negotiate = gst_xshm_src_negotiate;
    basesrc_class->decide_allocation = gst_xshm_src_decide_allocation;
    basesrc_class->query = gst_xshm_src_query;
    basesrc_class->event = gst_xshm_src_event;
    basesrc_class->unlock = gst_xshm_src_unlock;
    basesrc_class->unlock_stop = gst_xshm_src_unlock_stop;
    GST_PUSH_SRC_CLASS(klass)->create = gst_xshm_src_create;

    GST_DEBUG_CATEGORY_INIT(gst_xshm_src_debug, "xshmsrc", 0, "X11 MIT-SHM screen source");
}

static void gst_xshm_src_init(GstXShmSrc *self) {
    self->priv = new GstXShmSrcPrivate();
    self->priv->allocator = gst_xshm_allocator_get();
    gst_video_info_init(&self->priv->layout);
    gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
    gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
}
