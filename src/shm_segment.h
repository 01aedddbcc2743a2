// SPDX-License-Identifier: LGPL-2.1-or-later
// One shared-memory segment the X server can write into: created private to
// this user, mapped once, attached to the display, and detached + unmapped in
// the destructor (no detach once the connection is closed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <xcb/shm.h>

#include "slot_memory.h"

namespace xshm {

class DisplayConnection;

enum class SegmentKind {
    Memfd, // memfd passed with ShmAttachFd (MIT-SHM 1.2)
    SysV,  // IPC_PRIVATE segment with mode 0600, removed as soon as the server attached
};

class ShmSegment : public SlotMemory {
public:
    // Null with `error` saying why when the memory cannot be made or the server
    // refuses it. Never throws: this runs when descriptors may be exhausted, and
    // the unwinder GStreamer links (libunwind) itself needs one to throw.
    static std::unique_ptr<ShmSegment> try_create(std::shared_ptr<DisplayConnection> display,
                                                  SegmentKind kind, std::size_t size,
                                                  std::string *error) noexcept;
    // The same, throwing xshm::Error (for start-up, where a throw is safe).
    static std::unique_ptr<ShmSegment> create(std::shared_ptr<DisplayConnection> display,
                                              SegmentKind kind, std::size_t size);
    ~ShmSegment() override;
    ShmSegment(const ShmSegment &) = delete;
    ShmSegment &operator=(const ShmSegment &) = delete;

    uint8_t *data() const override { return data_; }
    std::size_t size() const override { return size_; }
    xcb_shm_seg_t server_segment() const override { return id_; }

private:
    ShmSegment(std::shared_ptr<DisplayConnection> display, SegmentKind kind, std::size_t size)
        : display_(std::move(display)), kind_(kind), size_(size) {}
    // "" on success, else what failed.
    std::string create_memfd();
    std::string create_sysv();

    std::shared_ptr<DisplayConnection> display_;
    SegmentKind kind_;
    std::size_t size_;
    uint8_t *data_ = nullptr;
    xcb_shm_seg_t id_ = 0;
    bool attached_ = false;
};

} // namespace xshm
