// SPDX-License-Identifier: LGPL-2.1-or-later
// Frames as encoders take them (I420, NV12, Y444), converted from the
// screen's BGRx by libyuv, a row band at a time: only what changed.
// libyuv's matrix is BT.601, limited range, and it averages 2x2 blocks for
// 4:2:0 (chroma centred): caps say colorimetry=bt601, chroma-site=jpeg.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pixel_format.h"
#include "region.h"

namespace xshm {

enum class OutputFormat { Native, I420, NV12, Y444 };

const char *output_format_name(OutputFormat format); // "I420", ...; "" for Native
std::optional<OutputFormat> output_format_from_name(const std::string &name);
const std::vector<OutputFormat> &converted_formats();

// GStreamer's default layout of a frame (so no GstVideoMeta is needed).
struct PlaneLayout {
    unsigned planes = 0;
    std::size_t offset[3] = {0, 0, 0};
    std::size_t stride[3] = {0, 0, 0};
    std::size_t size = 0;
};
PlaneLayout plane_layout(OutputFormat format, unsigned width, unsigned height);

// Whether frames of this screen format can be converted (32-bit BGRx/BGRA).
bool converts_from(const PixelFormat &format);

// The rows a conversion of `band` really touches: 4:2:0 converts row pairs.
RowBand conversion_band(OutputFormat format, RowBand band, unsigned height);

// Converts rows `band` of the BGRx frame (`stride` bytes a row) into `yuv`.
void convert_rows(const uint8_t *bgrx, std::size_t stride, unsigned width, unsigned height,
                  RowBand band, OutputFormat format, uint8_t *yuv);

} // namespace xshm
