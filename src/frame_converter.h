// SPDX-License-Identifier: LGPL-2.1-or-later
// Makes encoder-ready frames (I420, NV12, Y444) from the screen: the server
// refreshes the changed rows of a mirror (a screen slot kept here, never
// pushed), and only the rows a frame lacks are converted into it, so a still
// screen costs no conversion and typing a few rows. The converted frames are
// slots of this process's memory, in a pool of their own.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "frame_memory.h"
#include "frame_slots.h"
#include "grabber.h"
#include "slot_pool.h"
#include "yuv_conversion.h"

namespace xshm {

// The rows of a converted frame to make again from the mirror: those changed
// since the frame's own content, and where the pointer was drawn. All of them
// after a whole fetch of the mirror: it may show drawing newer than its damage
// generation (drawn between the damage collect and the request), which no
// damage band names yet.
std::vector<RowBand> rows_to_convert(const CaptureResult &mirror,
                                     std::optional<std::vector<RowBand>> changed_since_frame,
                                     std::initializer_list<std::optional<RowBand>> pointer_bands,
                                     unsigned height);

class FrameConverter {
public:
    // Frames in `output` from a `width` x `height` BGRx screen with `stride`
    // bytes a row, at most `max_frames` of them out at once.
    FrameConverter(OutputFormat output, unsigned width, unsigned height, std::size_t stride,
                   unsigned max_frames);

    OutputFormat output() const { return output_; }
    // The converted frames' slots.
    const std::shared_ptr<SlotPool> &frames() const { return frames_; }
    // The mirror, once given one: the slot the server refreshes.
    SlotPool::Lease *mirror() const { return mirror_; }
    void set_mirror(LentSlot mirror);
    // Brings `target` to what the mirror shows after `mirrored` (the rows
    // `grabber` says changed since the target's content); returns the BGRx
    // bytes converted.
    std::size_t convert(SlotPool::Lease &target, const CaptureResult &mirrored,
                        const Grabber &grabber);

private:
    const OutputFormat output_;
    const unsigned width_, height_;
    const std::size_t stride_;
    std::shared_ptr<SlotPool> frames_;
    std::unique_ptr<FrameMemory> mirror_holder_;
    SlotPool::Lease *mirror_ = nullptr; // inside mirror_holder_
};

} // namespace xshm
