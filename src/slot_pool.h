// SPDX-License-Identifier: LGPL-2.1-or-later
// A bounded, growing pool of SHM slots, each sized for one frame. Slots are
// reused most-recently-released first (warm in cache, and later the one whose
// content is closest to the screen). Release is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "frame_memory.h"
#include "region.h"
#include "shm_segment.h"

namespace xshm {

class DisplayConnection;

class SlotPool : public std::enable_shared_from_this<SlotPool> {
public:
    // A slot on loan; destroying it hands the slot back to the pool.
    class Lease : public FrameMemory {
    public:
        ~Lease() override;
        uint8_t *data() const override;
        std::size_t size() const override;
        xcb_shm_seg_t segment_id() const;
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

    static std::shared_ptr<SlotPool> create(std::shared_ptr<DisplayConnection> display,
                                            SegmentKind kind, std::size_t slot_size,
                                            unsigned max_slots);
    ~SlotPool();

    // Takes a free slot, creates one while under the limit, or waits up to
    // `timeout` for a release; Cancelled once `cancelled` is true (set it, then
    // call interrupt()). The flag belongs to the caller so that several users
    // of one pool flush independently. Never throws (see ShmSegment::try_create).
    Acquired acquire(const std::atomic<bool> &cancelled,
                     std::chrono::milliseconds timeout) noexcept;

    // Wakes every waiter in acquire() to look at its cancel flag again.
    void interrupt();
    void set_max_slots(unsigned max_slots);
    // Creates slots up front so the first frames do not pay for it; "" when
    // done, else why a slot could not be made. Never throws.
    std::string preallocate(unsigned count) noexcept;
    // Puts an already attached segment (the capture probe's) in the pool.
    void adopt(std::unique_ptr<ShmSegment> segment);

    std::size_t slot_size() const { return slot_size_; }
    SegmentKind kind() const { return kind_; }
    unsigned max_slots() const;
    unsigned slots_created() const;
    unsigned slots_free() const;

private:
    SlotPool(std::shared_ptr<DisplayConnection> display, SegmentKind kind, std::size_t slot_size,
             unsigned max_slots);
    void release(Lease::Slot *slot);
    Lease::Slot *add_slot_locked(std::unique_ptr<ShmSegment> segment);
    std::unique_ptr<ShmSegment> make_segment(std::string *error) noexcept;

    std::shared_ptr<DisplayConnection> display_;
    const SegmentKind kind_;
    const std::size_t slot_size_;

    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::vector<std::unique_ptr<Lease::Slot>> slots_;
    std::vector<Lease::Slot *> free_; // back = most recently released
    unsigned max_slots_;
    unsigned being_created_ = 0;
};

} // namespace xshm
