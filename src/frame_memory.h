// SPDX-License-Identifier: LGPL-2.1-or-later
// Pixels of one captured frame, owned by whoever holds this object: a pooled
// SHM slot (returned to its pool on destruction) or a GetImage reply (freed).
#pragma once

#include <cstddef>
#include <cstdint>

namespace xshm {

class FrameMemory {
public:
    virtual ~FrameMemory() = default;
    virtual uint8_t *data() const = 0;
    virtual std::size_t size() const = 0;
    // Someone mapped the pixels for writing: they may no longer be a screen state.
    virtual void written() {}
};

} // namespace xshm
