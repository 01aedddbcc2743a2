// SPDX-License-Identifier: LGPL-2.1-or-later
#include "output_format.h"

#include <algorithm>
#include <cctype>

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

// Each container: the file extension that chooses it, its name, its muxer.
struct ContainerTraits {
    Container container;
    const char *extension;
    const char *name;
    const char *muxer;
};

constexpr ContainerTraits kContainers[] = {
    {Container::Matroska, ".mkv", "Matroska", "matroskamux"},
    {Container::Mp4, ".mp4", "MP4", "mp4mux"},
    {Container::WebM, ".webm", "WebM", "webmmux"},
};

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

bool fits(Container container, Codec codec) {
    switch (container) {
    case Container::Matroska: return true;
    case Container::Mp4: return codec == Codec::H264;
    case Container::WebM: return codec == Codec::Vp8 || codec == Codec::Vp9;
    }
    return false;
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
    if (!fits(format.container, format.codec)) {
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
    format.audio = options.audio;
    format.chroma444 = options.chroma444;
    return format;
}

const char *container_name(Container container) { return traits(container).name; }

const char *muxer_factory(Container container) { return traits(container).muxer; }

const char *audio_encoder_factory(Container container) {
    return container == Container::Mp4 ? "avenc_aac" : "opusenc";
}

} // namespace xshm_record
