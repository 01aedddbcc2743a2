// SPDX-License-Identifier: LGPL-2.1-or-later
#include "slot_pool.h"

#include <algorithm>

namespace xshm {

struct SlotPool::Lease::Slot {
    std::unique_ptr<SlotMemory> memory;
    unsigned index;
    // Only touched by the lease holder; the pool's lock hands it over.
    std::atomic<uint64_t> content_generation{0};
    std::optional<RowBand> cursor_band;
};

SlotPool::Lease::~Lease() { pool_->release(slot_); }
uint8_t *SlotPool::Lease::data() const { return slot_->memory->data(); }
std::size_t SlotPool::Lease::size() const { return slot_->memory->size(); }
xcb_shm_seg_t SlotPool::Lease::server_segment() const { return slot_->memory->server_segment(); }
unsigned SlotPool::Lease::slot_index() const { return slot_->index; }
uint64_t SlotPool::Lease::content_generation() const { return slot_->content_generation; }
void SlotPool::Lease::set_content_generation(uint64_t generation) {
    slot_->content_generation = generation;
}
std::optional<RowBand> SlotPool::Lease::cursor_band() const { return slot_->cursor_band; }
void SlotPool::Lease::set_cursor_band(std::optional<RowBand> band) { slot_->cursor_band = band; }

std::shared_ptr<SlotPool> SlotPool::create(MemoryMaker make_memory, std::size_t slot_size,
                                           unsigned max_slots) {
    return std::shared_ptr<SlotPool>(new SlotPool(std::move(make_memory), slot_size, max_slots));
}

SlotPool::SlotPool(MemoryMaker make_memory, std::size_t slot_size, unsigned max_slots)
    : make_memory_(std::move(make_memory)), slot_size_(slot_size),
      max_slots_(max_slots ? max_slots : 1) {}

// Every lease holds the pool, so here all slots are free: their memory goes
// (a segment is detached if the connection is still open, unmapped in any case).
SlotPool::~SlotPool() = default;

SlotPool::Lease::Slot *SlotPool::add_slot_locked(std::unique_ptr<SlotMemory> memory) {
    auto slot = std::make_unique<Lease::Slot>();
    slot->memory = std::move(memory);
    slot->index = unsigned(slots_.size());
    slots_.push_back(std::move(slot));
    return slots_.back().get();
}

SlotPool::Acquired SlotPool::acquire(const std::atomic<bool> &cancelled,
                                     std::chrono::milliseconds timeout) noexcept {
    using Status = Acquired::Status;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (cancelled.load())
            return {Status::Cancelled, nullptr, ""};
        if (!free_.empty()) {
            Lease::Slot *slot = free_.back();
            free_.pop_back();
            return {Status::Ok, std::unique_ptr<Lease>(new Lease(shared_from_this(), slot)), ""};
        }
        if (slots_.size() + being_created_ < max_slots_)
            break;
        if (released_.wait_until(lock, deadline) == std::cv_status::timeout && free_.empty())
            return {Status::TimedOut, nullptr, ""};
    }

    // Attaching is a round trip: do it without blocking releases.
    ++being_created_;
    lock.unlock();
    std::string error;
    std::unique_ptr<SlotMemory> memory = make_memory_(&error);
    lock.lock();
    --being_created_;
    if (!memory) {
        released_.notify_all();
        // An attach given up on because the caller was stopped is no failure.
        if (cancelled.load())
            return {Status::Cancelled, nullptr, ""};
        return {Status::Failed, nullptr, error};
    }
    Lease::Slot *slot = add_slot_locked(std::move(memory));
    return {Status::Ok, std::unique_ptr<Lease>(new Lease(shared_from_this(), slot)), ""};
}

void SlotPool::release(Lease::Slot *slot) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(slot);
        ++releases_;
    }
    released_.notify_all();
}

void SlotPool::wake_waiters() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++releases_;
    }
    released_.notify_all();
}

uint64_t SlotPool::releases() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return releases_;
}

bool SlotPool::wait_for_release(uint64_t seen, const std::atomic<bool> &cancelled,
                                std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return released_.wait_until(lock, deadline,
                                [&] { return releases_ != seen || cancelled.load(); });
}

void SlotPool::set_max_slots(unsigned max_slots) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        max_slots_ = max_slots ? max_slots : 1;
    }
    released_.notify_all();
}

std::string SlotPool::preallocate(unsigned count) noexcept {
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (slots_.size() + being_created_ >= std::min(count, max_slots_))
                return "";
            ++being_created_;
        }
        std::string error;
        std::unique_ptr<SlotMemory> memory = make_memory_(&error);
        std::lock_guard<std::mutex> lock(mutex_);
        --being_created_;
        if (!memory)
            return error;
        free_.insert(free_.begin(), add_slot_locked(std::move(memory)));
    }
}

void SlotPool::adopt(std::unique_ptr<SlotMemory> memory) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(add_slot_locked(std::move(memory)));
}

unsigned SlotPool::max_slots() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return max_slots_;
}

unsigned SlotPool::slots_created() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return unsigned(slots_.size());
}

} // namespace xshm
