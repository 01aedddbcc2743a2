// SPDX-License-Identifier: LGPL-2.1-or-later
#include "yuv_conversion.h"

#include <algorithm>

#include <libyuv/convert_from_argb.h>

namespace xshm {
namespace {

std::size_t round_up(std::size_t value, std::size_t to) { return (value + to - 1) / to * to; }

} // namespace

const char *output_format_name(OutputFormat format) {
    switch (format) {
    case OutputFormat::I420: return "I420";
    case OutputFormat::NV12: return "NV12";
    case OutputFormat::Y444: return "Y444";
    case OutputFormat::Native: break;
    }
    return "";
}

std::optional<OutputFormat> output_format_from_name(const std::string &name) {
    for (OutputFormat f : converted_formats())
        if (name == output_format_name(f))
            return f;
    return std::nullopt;
}

const std::vector<OutputFormat> &converted_formats() {
    static const std::vector<OutputFormat> formats = {OutputFormat::I420, OutputFormat::NV12,
                                                      OutputFormat::Y444};
    return formats;
}

PlaneLayout plane_layout(OutputFormat format, unsigned width, unsigned height) {
    PlaneLayout l;
    const std::size_t luma = round_up(width, 4), rows = round_up(height, 2);
    switch (format) {
    case OutputFormat::I420:
        l.planes = 3;
        l.stride[0] = luma;
        l.stride[1] = l.stride[2] = round_up(round_up(width, 2) / 2, 4);
        l.offset[1] = luma * rows;
        l.offset[2] = l.offset[1] + l.stride[1] * rows / 2;
        l.size = l.offset[2] + l.stride[2] * rows / 2;
        break;
    case OutputFormat::NV12:
        l.planes = 2;
        l.stride[0] = l.stride[1] = luma;
        l.offset[1] = luma * rows;
        l.size = l.offset[1] + luma * rows / 2;
        break;
    case OutputFormat::Y444:
        l.planes = 3;
        l.stride[0] = l.stride[1] = l.stride[2] = luma;
        l.offset[1] = luma * height;
        l.offset[2] = 2 * luma * height;
        l.size = 3 * luma * height;
        break;
    case OutputFormat::Native: break;
    }
    return l;
}

bool converts_from(const PixelFormat &format) {
    return format.gst_format == "BGRx" || format.gst_format == "BGRA";
}

RowBand conversion_band(OutputFormat format, RowBand band, unsigned height) {
    if (format == OutputFormat::Y444)
        return band;
    const unsigned top = band.y & ~1u;
    const unsigned bottom = std::min(height, (band.y + band.height + 1) & ~1u);
    return {top, bottom - top};
}

void convert_rows(const uint8_t *bgrx, std::size_t stride, unsigned width, unsigned height,
                  RowBand band, OutputFormat format, uint8_t *yuv) {
    const RowBand b = conversion_band(format, band, height);
    if (b.height == 0)
        return;
    const PlaneLayout l = plane_layout(format, width, height);
    const uint8_t *src = bgrx + std::size_t(b.y) * stride;
    const unsigned chroma_row = format == OutputFormat::Y444 ? b.y : b.y / 2;
    uint8_t *y = yuv + l.offset[0] + std::size_t(b.y) * l.stride[0];
    uint8_t *u = yuv + l.offset[1] + std::size_t(chroma_row) * l.stride[1];
    uint8_t *v = yuv + l.offset[2] + std::size_t(chroma_row) * l.stride[2];
    const int s = int(stride), w = int(width), h = int(b.height);
    switch (format) {
    case OutputFormat::I420:
        libyuv::ARGBToI420(src, s, y, int(l.stride[0]), u, int(l.stride[1]), v, int(l.stride[2]), w,
                           h);
        break;
    case OutputFormat::NV12:
        libyuv::ARGBToNV12(src, s, y, int(l.stride[0]), u, int(l.stride[1]), w, h);
        break;
    case OutputFormat::Y444:
        libyuv::ARGBToI444(src, s, y, int(l.stride[0]), u, int(l.stride[1]), v, int(l.stride[2]), w,
                           h);
        break;
    case OutputFormat::Native: break;
    }
}

} // namespace xshm
