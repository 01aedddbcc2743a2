// SPDX-License-Identifier: LGPL-2.1-or-later
#include "output_format.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>

namespace xshm_record {
namespace {

std::string lower_extension(const std::string &file) {
    const std::size_t slash = file.find_last_of('/');
    const std::size_t dot = file.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return "";
    std::string ext = file.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

// Each container: the file extension that chooses it, its name, its muxer,
// the smallest picture side it takes.
struct ContainerTraits {
    Container container;
    const char *extension;
    const char *name;
    const char *muxer;
    unsigned min_side;
};

// mp4mux and webmmux take 16x16 and up (their caps). matroskamux takes 1x1,
// and every codec here writes 2x2 files FFmpeg decodes, but x264 refuses 1x1
// 4:2:0 and xshmsrc cannot be asked for one column or row at 0 (an end of 0
// means the screen's edge): 2.
constexpr ContainerTraits kContainers[] = {
    {Container::Matroska, ".mkv", "Matroska", "matroskamux", 2},
    {Container::Mp4, ".mp4", "MP4", "mp4mux", 16},
    {Container::WebM, ".webm", "WebM", "webmmux", 16},
};

// A region's end, x + width - 1, must never be 0 (xshmsrc's "to the edge").
constexpr bool regions_never_end_at_zero() {
    for (const ContainerTraits &t : kContainers)
        if (t.min_side < 2)
            return false;
    return true;
}
static_assert(regions_never_end_at_zero(), "a 1-pixel region at 0 would capture to the edge");

// Each codec's largest picture, and its --quality. Measured with videotestsrc
// into matroskamux, decoded with ffmpeg (README: "Nothing but what was asked").
struct CodecTraits {
    Codec codec;
    const char *name;
    unsigned max_side;     // 0: none of its own
    unsigned block;        // unit of max_area
    uint64_t max_area;     // blocks a picture; 0: none
    const char *area_unit; // what max_area counts, and who says so
    QualityRange quality;  // no scale: takes none
};

constexpr CodecTraits kCodecs[] = {
    // x264 refuses more than 16384 a side ("invalid width x height"); level
    // 6.2, H.264's highest, allows 139264 macroblocks. x264enc's quantizer
    // (x264's CRF with pass=qual) takes 0-50.
    {Codec::H264, "H.264", 16384, 16, 139264, "macroblocks (level 6.2)", {0, 50, 23, "x264 CRF"}},
    // VP8's frame header has 14 bits a side.
    {Codec::Vp8, "VP8", 16383, 1, 0, "", {0, 63, 12, "libvpx cq-level"}},
    // libvpx fails to encode more than 16384 a side; level 6.2, VP9's highest,
    // allows 35651584 pixels.
    {Codec::Vp9, "VP9", 16384, 1, 35651584, "pixels (level 6.2)", {0, 63, 12, "libvpx cq-level"}},
    // Lossless: no quality, and no size limit but FFmpeg's.
    {Codec::Ffv1, "FFV1", 0, 1, 0, "", {}},
};

bool has_quality(const CodecTraits &t) { return t.quality.scale[0] != '\0'; }

const CodecTraits &codec_traits(Codec codec) {
    for (const CodecTraits &t : kCodecs)
        if (t.codec == codec)
            return t;
    return kCodecs[0];
}

// FFmpeg (av_image_check_size) opens no picture whose coded size has
// (width + 128) * (height + 128) of INT_MAX / 8 or more: 16255x16255 VP8 and
// VP9 files play, 16256x16256 ones do not, and avenc_ffv1 refuses to write one.
constexpr uint64_t kFfmpegBound = INT_MAX / 8;

uint64_t coded(unsigned side, unsigned block) {
    return (uint64_t(side) + block - 1) / block * block;
}

bool ffmpeg_opens(const PictureLimits &l, unsigned width, unsigned height) {
    return (coded(width, l.block) + 128) * (coded(height, l.block) + 128) < kFfmpegBound;
}

bool within_area(const PictureLimits &l, unsigned width, unsigned height) {
    return l.max_area == 0 ||
           coded(width, l.block) / l.block * (coded(height, l.block) / l.block) <= l.max_area;
}

const ContainerTraits &traits(Container container) {
    for (const ContainerTraits &t : kContainers)
        if (t.container == container)
            return t;
    return kContainers[0];
}

const ContainerTraits *by_extension(const std::string &ext) {
    for (const ContainerTraits &t : kContainers)
        if (ext == t.extension)
            return &t;
    return nullptr;
}

bool goes_into(Container container, Codec codec) {
    switch (container) {
    case Container::Matroska: return true;
    case Container::Mp4: return codec == Codec::H264;
    case Container::WebM: return codec == Codec::Vp8 || codec == Codec::Vp9;
    }
    return false;
}

// --quality and --bitrate on the codec's own terms.
std::string rate_problem(const RecorderOptions &o, Codec codec) {
    const auto range = quality_range(codec);
    if (!range && (o.quality || o.bitrate_kbps))
        return std::string(o.quality ? "--quality" : "--bitrate") + " does not apply to " +
               codec_name(codec) + ": it is lossless";
    if (o.quality && (*o.quality < range->low || *o.quality > range->high))
        return "--quality " + std::to_string(*o.quality) + " is out of range for " +
               codec_name(codec) + " (" + std::to_string(range->low) + "-" +
               std::to_string(range->high) + ", " + range->scale + ")";
    return "";
}

} // namespace

std::optional<OutputFormat> choose_output(const RecorderOptions &options, std::string *error) {
    const std::string ext = lower_extension(options.file);
    OutputFormat format;
    if (const ContainerTraits *t = by_extension(ext)) {
        format.container = t->container;
    } else {
        *error =
            "'" + options.file + "': " +
            (ext.empty() ? std::string("no file extension") : "unknown extension '" + ext + "'") +
            "; the container follows the name: .mkv (Matroska), .mp4 (MP4) or .webm (WebM)";
        return std::nullopt;
    }
    format.codec =
        options.codec.value_or(format.container == Container::WebM ? Codec::Vp8 : Codec::H264);
    if (!goes_into(format.container, format.codec)) {
        *error = std::string("--codec ") + codec_name(format.codec) + " does not go into " +
                 container_name(format.container) + " ('" + options.file + "'): " +
                 (format.container == Container::Mp4 ? "MP4 takes h264" : "WebM takes vp8 or vp9") +
                 "; .mkv takes every codec";
        return std::nullopt;
    }
    if (options.chroma444 && format.codec != Codec::H264 && format.codec != Codec::Vp9) {
        *error =
            std::string("--chroma 444 needs h264 or vp9; ") + codec_name(format.codec) +
            (format.codec == Codec::Ffv1 ? " keeps the screen's own RGB anyway" : " is 4:2:0 only");
        return std::nullopt;
    }
    *error = rate_problem(options, format.codec);
    if (!error->empty())
        return std::nullopt;
    format.audio = options.audio;
    format.chroma444 = options.chroma444;
    return format;
}

const char *container_name(Container container) { return traits(container).name; }

const char *muxer_factory(Container container) { return traits(container).muxer; }

const char *audio_encoder_factory(Container container) {
    return container == Container::Mp4 ? "avenc_aac" : "opusenc";
}

std::optional<QualityRange> quality_range(Codec codec) {
    const CodecTraits &t = codec_traits(codec);
    return has_quality(t) ? std::optional<QualityRange>(t.quality) : std::nullopt;
}

int default_quality(Codec codec) { return codec_traits(codec).quality.fallback; }

std::string quality_ranges_text(const std::string &separator) {
    std::string text;
    for (const CodecTraits &t : kCodecs)
        text += (text.empty() ? "" : separator) + codec_name(t.codec) +
                (has_quality(t) ? " " + std::to_string(t.quality.low) + "-" +
                                      std::to_string(t.quality.high) + " (" + t.quality.scale +
                                      ", default " + std::to_string(t.quality.fallback) + ")"
                                : " none (lossless)");
    return text;
}

PictureLimits picture_limits(const OutputFormat &format) {
    const ContainerTraits &c = traits(format.container);
    const CodecTraits &t = codec_traits(format.codec);
    PictureLimits l;
    l.min_side = c.min_side;
    l.max_side = t.max_side;
    l.block = t.block;
    l.max_area = t.max_area;
    l.even = format.codec != Codec::Ffv1 && !format.chroma444;
    l.smallest_by = c.name;
    l.codec = t.name;
    l.area_unit = t.area_unit;
    return l;
}

bool fits(const PictureLimits &l, unsigned width, unsigned height) {
    return width >= l.min_side && height >= l.min_side &&
           (!l.even || (width % 2 == 0 && height % 2 == 0)) &&
           (l.max_side == 0 || (width <= l.max_side && height <= l.max_side)) &&
           within_area(l, width, height) && ffmpeg_opens(l, width, height);
}

std::string why_too_large(const PictureLimits &l, unsigned width, unsigned height) {
    if (l.max_side != 0 && (width > l.max_side || height > l.max_side))
        return l.codec + " takes at most " + std::to_string(l.max_side) + " pixels a side";
    if (!within_area(l, width, height))
        return l.codec + " takes at most " + std::to_string(l.max_area) + " " + l.area_unit;
    return "FFmpeg's decoders open no " + l.codec +
           " picture with (width + 128) * (height + 128) of " + std::to_string(kFfmpegBound) +
           " or more";
}

std::optional<PictureSize> file_size(const PictureLimits &l, unsigned width, unsigned height) {
    if (fits(l, width, height))
        return PictureSize{width, height};
    // The scale the sides and areas allow; rounding may still overshoot a
    // little, so it shrinks until the size fits.
    const double w = width, h = height;
    double scale = std::sqrt(kFfmpegBound / ((w + 128) * (h + 128)));
    if (l.max_side != 0)
        scale = std::min({scale, l.max_side / w, l.max_side / h});
    if (l.max_area != 0)
        scale = std::min(scale, std::sqrt(double(l.max_area) * l.block * l.block / (w * h)));
    const unsigned step = l.even ? 2 : 1;
    for (scale = std::min(scale, 1.0);; scale *= 0.999) {
        // (+ 1e-6: 16384 / 16400 * 16400 is 16384, not 16383.99...)
        const PictureSize size{unsigned(w * scale + 1e-6) / step * step,
                               unsigned(h * scale + 1e-6) / step * step};
        if (size.width < l.min_side || size.height < l.min_side)
            return std::nullopt;
        if (fits(l, size.width, size.height))
            return size;
    }
}

} // namespace xshm_record
