// SPDX-License-Identifier: LGPL-2.1-or-later
#include "frame_pacer.h"

#include <algorithm>

namespace xshm {
namespace {
constexpr unsigned __int128 kSecond = 1000000000;
}

void FramePacer::set_rate(unsigned numerator, unsigned denominator) {
    const Nanos last_time = started_ && paced() ? time_of(last_) : kNoTime;
    numerator_ = denominator == 0 ? 0 : numerator;
    denominator_ = denominator == 0 ? 1 : denominator;
    // The last frame keeps its time; its number is what that time is at the new rate.
    if (last_time != kNoTime && paced())
        last_ = number_at(last_time);
}

Nanos FramePacer::period() const { return paced() ? time_of(1) : kNoTime; }

Nanos FramePacer::time_of(uint64_t number) const {
    return Nanos(number * kSecond * denominator_ / numerator_);
}

uint64_t FramePacer::number_at(Nanos time) const {
    return uint64_t((unsigned __int128)std::max<Nanos>(time, 0) * numerator_ /
                    (kSecond * denominator_));
}

Nanos FramePacer::time_at_or_after(Nanos time) const {
    const uint64_t number = number_at(time);
    return time_of(number) < time ? time_of(number + 1) : time_of(number);
}

FramePacer::Tick FramePacer::next(Nanos now) const {
    const uint64_t due_number = started_ ? last_ + 1 : 0;
    if (!paced())
        return {due_number, now};
    const Nanos due_time = time_of(due_number);
    if (now < due_time)
        return {due_number, due_time};
    return {std::max(due_number, number_at(now)), now};
}

} // namespace xshm
