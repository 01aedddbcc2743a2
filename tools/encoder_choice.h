// SPDX-License-Identifier: LGPL-2.1-or-later
// Which GStreamer encoder xshm-record uses and how it is set: a hardware
// H.264 encoder where the machine has one (NVENC, VA-API), else the software
// one. Plain data, so the choice is tested without hardware or GStreamer.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "recorder_options.h"

namespace xshm_record {

struct EncoderRequest {
    Codec codec = Codec::H264;
    std::string preset = "veryfast";
    unsigned bitrate_kbps = 0;
    std::optional<int> quality;
    unsigned keyint_frames = 60; // at the most frames a second
    bool allow_hardware = true;
    bool chroma444 = false; // Y444 in (the hardware encoders take NV12 only)
};

struct EncoderPlan {
    std::string factory;      // "x264enc", "vah264enc", ...
    std::string input_format; // the raw format it is given: I420, NV12, BGRx
    std::string parser;       // "h264parse", or "" when none is needed
    // Property name and value as text (set with gst_util_set_object_arg).
    std::vector<std::pair<std::string, std::string>> properties;
    bool hardware = false;
    std::string description; // for the user: what encodes, and how
};

// The hardware H.264 encoders tried, in order, before x264enc.
const std::vector<std::string> &hardware_h264_encoders();

// `usable(factory)` says whether an element can be made and used here.
EncoderPlan choose_encoder(const EncoderRequest &request,
                           const std::function<bool(const std::string &)> &usable);

} // namespace xshm_record
