// SPDX-License-Identifier: LGPL-2.1-or-later
// xshm-record's command line: what to record, how, and where, checked before
// anything is opened. No GStreamer here, so the tests reach every rule.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xshm_record {

enum class Codec { H264, Vp8, Vp9, Ffv1 };

// Bounds of the numbers, said in the errors and in --help.
constexpr double kMaxDuration = 31 * 24 * 3600;       // seconds: a timer counts guint milliseconds
constexpr double kMinKeyint = 0.1, kMaxKeyint = 3600; // seconds
constexpr unsigned kMaxFps = 1000;
constexpr unsigned kMaxBitrate = 1000000;  // kbit/s: within every encoder's range
constexpr unsigned kMaxCoordinate = 32767; // X's: a region's sides and corner

struct RecorderOptions {
    std::string file;
    bool overwrite = false; // -y
    double duration = 0;    // seconds; 0: until stopped
    std::string display;    // empty: $DISPLAY
    std::string monitor;    // "primary", a name or an index
    std::string window;     // an id (0x1e00003 or decimal) or a name
    std::string region;     // WxH+X+Y as typed
    unsigned region_width = 0, region_height = 0;
    int region_x = 0, region_y = 0;
    unsigned fps = 30;          // the most frames a second
    bool constant_rate = false; // --cfr
    std::optional<Codec> codec; // default: the container's
    std::string preset = "veryfast";
    unsigned bitrate_kbps = 0;  // 0: quality-driven
    std::optional<int> quality; // codec's scale (checked in choose_output)
    double keyint = 2;          // seconds between keyframes at most
    bool chroma444 = false;     // --chroma 444: full colour resolution (sharp coloured text)
    bool audio = false;
    std::string audio_device; // empty: the default source
    bool pointer = true;
    bool quiet = false;
    bool hardware = true; // use a hardware H.264 encoder when there is one
    bool list_monitors = false, list_windows = false, help = false;
};

struct ParsedOptions {
    RecorderOptions options;
    std::string error; // what was wrong, for the user; empty when fine
};

// Parses argv[1..]. Every value is checked here (numbers, geometry, names).
ParsedOptions parse_options(const std::vector<std::string> &arguments);

// The --help text.
std::string usage_text();

// "h264", ... and back (nullopt for an unknown name).
const char *codec_name(Codec codec);
std::optional<Codec> codec_from_name(const std::string &name);

// x264's speed presets, fastest first.
const std::vector<std::string> &x264_presets();

// The window option as an id, when it is one (0x1e00003, 31457283).
std::optional<uint32_t> window_id(const std::string &window);

} // namespace xshm_record
