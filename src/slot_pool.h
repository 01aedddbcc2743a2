// SPDX-License-Identifier: LGPL-2.1-or-later
// A bounded, growing pool of frame-sized slots: shared memory the X server
// writes into, or this process's memory for converted frames (the maker
// given to create() says which). Slots are reused most-recently-released
// first (warm in cache, content closest to the screen). Release is safe from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "frame_memory.h"
#include "region.h"
#include "slot_memory.h"

namespace xshm {

class SlotPool : public std::enable_shared_from_this<SlotPool> {
public:
    // A slot on loan; destroying it hands the slot back to the pool.
    class Lease : public FrameMemory {
    public:
        ~Lease() override;
        uint8_t *data() const override;
        std::size_t size() const override;
        // The segment the server writes into (0 for process memory).
        xcb_shm_seg_t server_segment() const;
        unsigned slot_index() const;
        void written() override { set_content_generation(0); }

        // The damage generation of the screen the slot's pixels show; 0 when
        // unknown (new, or written by someone else), which forces a full capture.
        uint64_t content_generation() const;
        void set_content_generation(uint64_t generation);
        // Rows the cursor was drawn over: refetched before the slot shows
        // another frame, so no cursor is left behind.
        std::optional<RowBand> cursor_band() const;
        void set_cursor_band(std::optional<RowBand> band);

    private:
        friend class SlotPool;
        struct Slot;
        Lease(std::shared_ptr<SlotPool> pool, Slot *slot) : pool_(std::move(pool)), slot_(slot) {}
        std::shared_ptr<SlotPool> pool_;
        Slot *slot_;
    };

    // What acquire() got: a slot, or why not.
    struct Acquired {
        enum class Status { Ok, Cancelled, TimedOut, Failed };
        Status status = Status::Failed;
        std::unique_ptr<Lease> lease;
        std::string error; // Failed: why no new slot could be made
    };

    // Makes the memory of one more slot, or null with the reason in `error`.
    // Never throws: it runs when descriptors may be exhausted (see ShmSegment).
    using MemoryMaker = std::function<std::unique_ptr<SlotMemory>(std::string *error)>;

    static std::shared_ptr<SlotPool> create(MemoryMaker make_memory, std::size_t slot_size,
                                            unsigned max_slots);
    ~SlotPool();

    // Takes a free slot, creates one while under the limit, or waits up to
    // `timeout` for a release; Cancelled once `cancelled` is true (set it, then
    // call wake_waiters()). The flag belongs to the caller so that several users
    // of one pool flush independently. Never throws.
    Acquired acquire(const std::atomic<bool> &cancelled,
                     std::chrono::milliseconds timeout) noexcept;

    // Wakes every waiter in acquire() and wait_for_release() to look again.
    void wake_waiters();
    // How many times a slot came back (or wake_waiters() was called): read it
    // before trying to get a slot, then wait for it to change.
    uint64_t releases() const;
    // Waits until releases() differs from `seen`, `cancelled` is true or the
    // deadline passes; false on the deadline.
    bool wait_for_release(uint64_t seen, const std::atomic<bool> &cancelled,
                          std::chrono::steady_clock::time_point deadline);
    void set_max_slots(unsigned max_slots);
    // Creates slots up front so the first frames do not pay for it; "" when
    // done, else why a slot could not be made. Never throws.
    std::string preallocate(unsigned count) noexcept;
    // Puts memory made elsewhere (the capture probe's segment) in the pool.
    void adopt(std::unique_ptr<SlotMemory> memory);

    std::size_t slot_size() const { return slot_size_; }
    unsigned max_slots() const;
    unsigned slots_created() const;

private:
    SlotPool(MemoryMaker make_memory, std::size_t slot_size, unsigned max_slots);
    void release(Lease::Slot *slot);
    Lease::Slot *add_slot_locked(std::unique_ptr<SlotMemory> memory);

    const MemoryMaker make_memory_;
    const std::size_t slot_size_;

    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::vector<std::unique_ptr<Lease::Slot>> slots_;
    std::vector<Lease::Slot *> free_; // back = most recently released
    unsigned max_slots_;
    unsigned being_created_ = 0;
    uint64_t releases_ = 0;
};

} // namespace xshm
