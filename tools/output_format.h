// SPDX-License-Identifier: LGPL-2.1-or-later
// The file xshm-record writes: its container, from the file name, and the
// codec, checked against it; what each takes (picture sizes, quality).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "recorder_options.h"

namespace xshm_record {

enum class Container { Matroska, Mp4, WebM };

struct OutputFormat {
    Container container = Container::Matroska;
    Codec codec = Codec::H264;
    bool audio = false;
    bool chroma444 = false;
};

// From the file's extension and the asked codec (or the container's default:
// H.264 for .mkv and .mp4, VP8 for .webm), with --quality and --bitrate
// checked against the codec. Null with `error` naming what does not fit.
std::optional<OutputFormat> choose_output(const RecorderOptions &options, std::string *error);

const char *container_name(Container container); // "Matroska", ...

// The GStreamer muxer and audio encoder for a container.
const char *muxer_factory(Container container);
const char *audio_encoder_factory(Container container); // Opus, AAC in MP4

// --quality on each codec's own scale (ffv1, lossless, takes none).
struct QualityRange {
    int low = 0, high = 0, fallback = 0; // fallback: used when none is asked
    const char *scale = "";              // "x264 CRF", ...
};
std::optional<QualityRange> quality_range(Codec codec);
int default_quality(Codec codec); // for a codec that takes a quality
// "h264 0-50 (x264 CRF, default 23)" and the others, between `separator`s.
std::string quality_ranges_text(const std::string &separator = ", ");

// The pictures a file takes: the smallest its muxer (and xshmsrc) takes, the
// largest its codec encodes and decoders open. Measured: see the README.
struct PictureLimits {
    unsigned min_side = 2;
    unsigned max_side = 0;   // each side; 0: the codec sets none
    unsigned block = 1;      // the codec's unit of area (16: H.264 macroblocks)
    uint64_t max_area = 0;   // in blocks a picture; 0: none
    bool even = false;       // 4:2:0: even sizes
    std::string smallest_by; // "MP4", "Matroska": whose minimum
    std::string codec;       // "H.264", ...
    std::string area_unit;   // "macroblocks (level 6.2)"
};
PictureLimits picture_limits(const OutputFormat &format);

// Whether a picture of this size fits the limits (FFmpeg's decoders' own
// bound included), and why not: "H.264 takes at most 16384 pixels a side".
bool fits(const PictureLimits &limits, unsigned width, unsigned height);
std::string why_too_large(const PictureLimits &limits, unsigned width, unsigned height);

struct PictureSize {
    unsigned width = 0, height = 0;
};
// The size the file gets for a captured picture that is not smaller than the
// limits: the same when it fits, else scaled down to fit with its aspect kept
// (even sizes for 4:2:0). Null when no size that keeps it fits.
std::optional<PictureSize> file_size(const PictureLimits &limits, unsigned width, unsigned height);

} // namespace xshm_record
