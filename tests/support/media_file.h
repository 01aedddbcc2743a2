// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads a recorded file back with GStreamer: each frame's timestamp and the
// colour in its middle, and the container's duration.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace xshm_test {

struct DecodedFrame {
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    uint32_t rgb = 0; // mean colour of a 16x16 patch in the middle, 0xRRGGBB
};

// Every frame of the file's video stream in presentation order; empty when
// the file cannot be decoded.
std::vector<DecodedFrame> decode_frames(const std::string &path);
// The container's duration as a demuxer reads it (GST_CLOCK_TIME_NONE when unknown).
GstClockTime file_duration(const std::string &path);
// Whether two colours differ by at most `tolerance` in each channel.
bool colour_near(uint32_t a, uint32_t b, int tolerance);

} // namespace xshm_test
