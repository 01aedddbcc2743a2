// SPDX-License-Identifier: LGPL-2.1-or-later
// What tests expect of a capture, said once: the frames that must arrive, the
// source's statistics and caps, the texts of its messages. The expect_ and
// reading functions fail the running test, saying what was missing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "capture_pipeline.h"

namespace xshm_test {

class ScreenPainter;
class TestWindow;

// "" when the frame is the one waited for, else how it differs.
using FrameCheck = std::function<std::string(GstBuffer *)>;

// Pulls frames until `check` accepts one (the screen may show an older state
// for a few frames) and returns it (transfer full). Fails the test naming
// `what` and the last difference when no frame comes or `tries` did not match.
GstBuffer *pull_until(CapturePipeline &cp, const FrameCheck &check, const char *what, int tries);

// pull_until a frame equal to `expected` (rows packed).
GstBuffer *pull_matching_frame(CapturePipeline &cp, const std::vector<uint8_t> &expected,
                               unsigned width, unsigned height, unsigned bytes_per_pixel,
                               const char *what, int tries = 60);
void expect_frame(CapturePipeline &cp, const std::vector<uint8_t> &expected, unsigned width,
                  unsigned height, unsigned bytes_per_pixel, const char *what, int tries = 60);
// The whole screen as `painter` drew it.
void expect_screen(CapturePipeline &cp, const ScreenPainter &painter, const char *what,
                   int tries = 60);
// The window's contents as it was painted.
void expect_window(CapturePipeline &cp, const TestWindow &window, const char *what,
                   unsigned bytes_per_pixel = 4, int tries = 60);

// One field of the source's "stats" (fails the test when it has none such).
guint64 stat_of(GstElement *source, const char *field);
// Every field of the source's "stats", read at one moment.
struct CaptureStats {
    guint64 frames = 0, full_captures = 0, partial_captures = 0, repeated_frames = 0,
            keepalive_frames = 0, closing_frames = 0, requested_frames = 0, skipped_frames = 0,
            bytes_fetched = 0, bytes_full_frames = 0, bytes_converted = 0, cursor_image_fetches = 0;
};
CaptureStats capture_stats(GstElement *source);

// Fields of the source's negotiated caps; each fails the test when it has no
// caps (or, for caps_size and expect_fraction, not that field).
std::string caps_string(GstElement *source, const char *field); // "" when absent
std::string caps_format(GstElement *source);
struct FrameSize {
    int width = 0, height = 0;
};
FrameSize caps_size(GstElement *source);
struct Fraction {
    int num = -1, den = -1; // -1/-1 when absent
};
Fraction caps_fraction(GstElement *source, const char *field);
void expect_fraction(GstElement *source, const char *field, int num, int den);

// The text of an ERROR or WARNING message ("" for none).
std::string message_text(GstMessage *message);
// The text of the next message of `type` within `timeout`, "" when none came.
std::string message_text(CapturePipeline &cp, GstMessageType type, GstClockTime timeout);
// Starts a capture with these xshmsrc properties, which must fail to start
// without a frame (no silent fallback); returns the text of its error.
std::string start_error(const std::string &properties);

bool contains(const std::string &text, const std::string &part);
// FNV-1a over `size` bytes, continuing from `h`: a fingerprint of a frame or
// of a screen state, to tell which state a frame shows.
constexpr uint64_t kFnvStart = 1469598103934665603ull;
uint64_t fnv1a(const uint8_t *data, std::size_t size, uint64_t h = kFnvStart);
// "0x200001": how xshmsrc names windows (its xid property takes it too).
std::string window_id_hex(uint32_t id);

} // namespace xshm_test
