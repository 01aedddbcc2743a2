// SPDX-License-Identifier: LGPL-2.1-or-later
// The memory behind one pooled slot: a segment the X server writes into
// (ShmSegment), or this process's own memory for frames made here
// (ProcessMemory: converted frames, which the server never sees).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <xcb/shm.h>

#include "frame_memory.h"

namespace xshm {

class SlotMemory : public FrameMemory {
public:
    // The MIT-SHM segment the server writes into; 0 when it never sees this memory.
    virtual xcb_shm_seg_t server_segment() const { return 0; }
};

// Anonymous private pages of this process, unmapped in the destructor.
class ProcessMemory : public SlotMemory {
public:
    // Null with `error` saying why when the pages cannot be mapped. Never throws.
    static std::unique_ptr<ProcessMemory> try_create(std::size_t size, std::string *error) noexcept;
    ~ProcessMemory() override;
    ProcessMemory(const ProcessMemory &) = delete;
    ProcessMemory &operator=(const ProcessMemory &) = delete;
    uint8_t *data() const override { return data_; }
    std::size_t size() const override { return size_; }

private:
    ProcessMemory(uint8_t *data, std::size_t size) : data_(data), size_(size) {}
    uint8_t *data_;
    std::size_t size_;
};

} // namespace xshm
