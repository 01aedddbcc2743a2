// SPDX-License-Identifier: LGPL-2.1-or-later
// The file xshm-record writes: its container, from the file name, and the
// codec, checked against it.
#pragma once

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
// H.264 for .mkv and .mp4, VP8 for .webm). Null with `error` naming the
// extension or the codec that does not fit.
std::optional<OutputFormat> choose_output(const RecorderOptions &options, std::string *error);

const char *container_name(Container container); // "Matroska", ...

// The GStreamer muxer and audio encoder for a container.
const char *muxer_factory(Container container);
const char *audio_encoder_factory(Container container); // Opus, AAC in MP4

} // namespace xshm_record
