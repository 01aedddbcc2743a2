// SPDX-License-Identifier: LGPL-2.1-or-later
#include "expectations.h"

#include <cstdio>

#include "screen_painter.h"
#include "test_window.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

namespace xshm_test {

GstBuffer *pull_until(CapturePipeline &cp, const FrameCheck &check, const char *what, int tries) {
    std::string difference;
    for (int i = 0; i < tries; ++i) {
        GstBuffer *buffer = cp.pull();
        fail_unless(buffer != nullptr, "%s: no frame arrived after %d other ones%s%s", what, i,
                    i > 0 ? "; the last: " : "", difference.c_str());
        difference = check(buffer);
        if (difference.empty())
            return buffer;
        gst_buffer_unref(buffer);
    }
    fail("%s never arrived in %d frames; the last: %s", what, tries, difference.c_str());
    return nullptr;
}

GstBuffer *pull_matching_frame(CapturePipeline &cp, const std::vector<uint8_t> &expected,
                               unsigned width, unsigned height, unsigned bytes_per_pixel,
                               const char *what, int tries) {
    return pull_until(
        cp,
        [&](GstBuffer *buffer) {
            return compare_frame(buffer, expected, width, height, bytes_per_pixel);
        },
        what, tries);
}

void expect_frame(CapturePipeline &cp, const std::vector<uint8_t> &expected, unsigned width,
                  unsigned height, unsigned bytes_per_pixel, const char *what, int tries) {
    gst_buffer_unref(
        pull_matching_frame(cp, expected, width, height, bytes_per_pixel, what, tries));
}

void expect_screen(CapturePipeline &cp, const ScreenPainter &painter, const char *what, int tries) {
    expect_frame(cp, painter.expected(0, 0, painter.width(), painter.height()), painter.width(),
                 painter.height(), painter.bytes_per_pixel(), what, tries);
}

void expect_window(CapturePipeline &cp, const TestWindow &window, const char *what,
                   unsigned bytes_per_pixel, int tries) {
    expect_frame(cp, window.expected(), window.width(), window.height(), bytes_per_pixel, what,
                 tries);
}

namespace {

GstStructure *stats_structure(GstElement *source) {
    GstStructure *stats = nullptr;
    g_object_get(source, "stats", &stats, nullptr);
    fail_unless(stats != nullptr, "the source has no stats");
    return stats;
}

guint64 field_of(const GstStructure *stats, const char *field) {
    guint64 value = 0;
    fail_unless(gst_structure_get_uint64(stats, field, &value), "no %s in the stats", field);
    return value;
}

// A copy of the source's negotiated caps structure (free it); fails without.
GstStructure *negotiated(GstElement *source) {
    GstPad *pad = gst_element_get_static_pad(source, "src");
    GstCaps *caps = gst_pad_get_current_caps(pad);
    gst_object_unref(pad);
    fail_unless(caps != nullptr, "the source negotiated no caps");
    GstStructure *structure = gst_structure_copy(gst_caps_get_structure(caps, 0));
    gst_caps_unref(caps);
    return structure;
}

} // namespace

guint64 stat_of(GstElement *source, const char *field) {
    GstStructure *stats = stats_structure(source);
    const guint64 value = field_of(stats, field);
    gst_structure_free(stats);
    return value;
}

CaptureStats capture_stats(GstElement *source) {
    GstStructure *s = stats_structure(source);
    CaptureStats st;
    st.frames = field_of(s, "frames");
    st.full_captures = field_of(s, "full-captures");
    st.partial_captures = field_of(s, "partial-captures");
    st.repeated_frames = field_of(s, "repeated-frames");
    st.keepalive_frames = field_of(s, "keepalive-frames");
    st.closing_frames = field_of(s, "closing-frames");
    st.requested_frames = field_of(s, "requested-frames");
    st.skipped_frames = field_of(s, "skipped-frames");
    st.bytes_fetched = field_of(s, "bytes-fetched");
    st.bytes_full_frames = field_of(s, "bytes-full-frames");
    st.bytes_converted = field_of(s, "bytes-converted");
    st.cursor_image_fetches = field_of(s, "cursor-image-fetches");
    gst_structure_free(s);
    return st;
}

std::string caps_string(GstElement *source, const char *field) {
    GstStructure *s = negotiated(source);
    const char *value = gst_structure_get_string(s, field);
    std::string text = value ? value : "";
    gst_structure_free(s);
    return text;
}

std::string caps_format(GstElement *source) { return caps_string(source, "format"); }

FrameSize caps_size(GstElement *source) {
    GstStructure *s = negotiated(source);
    FrameSize size;
    const bool found = gst_structure_get_int(s, "width", &size.width) &&
                       gst_structure_get_int(s, "height", &size.height);
    gst_structure_free(s);
    fail_unless(found, "no width and height in the caps");
    return size;
}

Fraction caps_fraction(GstElement *source, const char *field) {
    GstStructure *s = negotiated(source);
    Fraction f;
    if (!gst_structure_get_fraction(s, field, &f.num, &f.den))
        f = Fraction{};
    gst_structure_free(s);
    return f;
}

void expect_fraction(GstElement *source, const char *field, int num, int den) {
    const Fraction f = caps_fraction(source, field);
    fail_unless(f.den != -1, "no %s in the caps", field);
    fail_unless(f.num == num && f.den == den, "%s is %d/%d, expected %d/%d", field, f.num, f.den,
                num, den);
}

std::string message_text(GstMessage *message) {
    if (message == nullptr)
        return "";
    GError *error = nullptr;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING)
        gst_message_parse_warning(message, &error, nullptr);
    else
        gst_message_parse_error(message, &error, nullptr);
    std::string text = error->message;
    g_error_free(error);
    return text;
}

std::string message_text(CapturePipeline &cp, GstMessageType type, GstClockTime timeout) {
    GstMessage *message = cp.wait_message(type, timeout);
    std::string text = message_text(message);
    if (message != nullptr)
        gst_message_unref(message);
    return text;
}

std::string start_error(const std::string &properties) {
    CapturePipeline cp(properties);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_FAILURE);
    fail_unless(cp.pull(200 * GST_MSECOND) == nullptr, "captured despite the error: %s",
                properties.c_str());
    return message_text(cp, GST_MESSAGE_ERROR, GST_SECOND);
}

// Not instrumented by TSan: tests hash every frame, and a checked byte loop
// would be a hundred times slower (the frames are appsink's, handed over).
__attribute__((no_sanitize_thread)) uint64_t fnv1a(const uint8_t *data, std::size_t size,
                                                   uint64_t h) {
    for (std::size_t i = 0; i < size; ++i)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

std::string window_id_hex(uint32_t id) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", id);
    return text;
}

} // namespace xshm_test
