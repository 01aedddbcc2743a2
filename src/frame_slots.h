// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the frames a session pushes are written: slots lent one frame at a
// time by whoever owns them. A SlotPool's own slots (PoolSlots: the core on
// its own), or, in xshmsrc, the slot inside each buffer acquired from its
// GstBufferPool, so that every frame pushed came from the pool that
// downstream's last unref returns it to.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "frame_memory.h"
#include "slot_pool.h"

namespace xshm {

struct LentSlot {
    using Status = SlotPool::Acquired::Status;
    Status status = Status::Failed;
    std::unique_ptr<FrameMemory> frame; // what carries the pixels on (Frame::memory)
    SlotPool::Lease *slot = nullptr;    // the slot inside `frame`, to capture into
    std::string error;                  // Failed: why no slot could be made
};

class FrameSlots {
public:
    virtual ~FrameSlots() = default;
    // A slot, waiting up to `timeout` for one to come back; Cancelled once
    // `cancelled` is true (set it, then call interrupt()). Never throws.
    virtual LentSlot lend(const std::atomic<bool> &cancelled,
                          std::chrono::milliseconds timeout) noexcept = 0;
    // Wakes a lend() that waits.
    virtual void interrupt() = 0;
    // How many slots there may be, and are: for the messages about waiting.
    virtual unsigned max_slots() const = 0;
    virtual unsigned slots_created() const = 0;
};

// The slots of a pool, lent as they are.
class PoolSlots : public FrameSlots {
public:
    explicit PoolSlots(std::shared_ptr<SlotPool> pool) : pool_(std::move(pool)) {}
    LentSlot lend(const std::atomic<bool> &cancelled,
                  std::chrono::milliseconds timeout) noexcept override {
        SlotPool::Acquired got = pool_->acquire(cancelled, timeout);
        LentSlot lent{got.status, nullptr, got.lease.get(), std::move(got.error)};
        lent.frame = std::move(got.lease);
        return lent;
    }
    void interrupt() override { pool_->wake_waiters(); }
    unsigned max_slots() const override { return pool_->max_slots(); }
    unsigned slots_created() const override { return pool_->slots_created(); }

private:
    std::shared_ptr<SlotPool> pool_;
};

} // namespace xshm
