// SPDX-License-Identifier: LGPL-2.1-or-later
#include "frame_converter.h"

namespace xshm {

std::vector<RowBand> rows_to_convert(const CaptureResult &mirror,
                                     std::optional<std::vector<RowBand>> changed_since_frame,
                                     std::initializer_list<std::optional<RowBand>> pointer_bands,
                                     unsigned height) {
    const std::vector<RowBand> all{{0, height}};
    if (mirror.full)
        return all;
    return with_bands(std::move(changed_since_frame), pointer_bands).value_or(all);
}

FrameConverter::FrameConverter(OutputFormat output, unsigned width, unsigned height,
                               std::size_t stride, unsigned max_frames)
    : output_(output), width_(width), height_(height), stride_(stride) {
    const std::size_t size = plane_layout(output, width, height).size;
    frames_ = SlotPool::create(
        [size](std::string *error) -> std::unique_ptr<SlotMemory> {
            return ProcessMemory::try_create(size, error);
        },
        size, max_frames);
}

void FrameConverter::set_mirror(LentSlot mirror) {
    mirror_holder_ = std::move(mirror.frame);
    mirror_ = mirror.slot;
}

std::size_t FrameConverter::convert(SlotPool::Lease &target, const CaptureResult &mirrored,
                                    const Grabber &grabber) {
    const std::vector<RowBand> rows =
        rows_to_convert(mirrored, grabber.changed_rows_since(target.content_generation()),
                        {target.cursor_band(), mirror_->cursor_band()}, height_);
    std::size_t converted = 0;
    for (const RowBand &band : rows) {
        convert_rows(mirror_->data(), stride_, width_, height_, band, output_, target.data());
        converted += conversion_band(output_, band, height_).height * stride_;
    }
    target.set_content_generation(mirrored.state.generation);
    target.set_cursor_band(mirror_->cursor_band());
    return converted;
}

} // namespace xshm
