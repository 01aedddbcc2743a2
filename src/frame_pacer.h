// SPDX-License-Identifier: LGPL-2.1-or-later
// When the next frame is due at a rate of n/d frames per second: frame k is
// due at k·d/n seconds of running time. A frame whose time already passed is
// taken at once and the ones missed are skipped, never caught up in a burst.
#pragma once

#include <cstdint>

namespace xshm {

// Running time in nanoseconds (the pipeline's clock minus its base time).
using Nanos = int64_t;
constexpr Nanos kNoTime = -1;

class FramePacer {
public:
    struct Tick {
        uint64_t number = 0; // frame number (the buffer offset)
        Nanos due = 0;       // when to take it; <= now means at once
    };

    // 0/x: no pacing, every frame at once. Keeps the place in time.
    void set_rate(unsigned numerator, unsigned denominator);
    bool paced() const { return numerator_ != 0; }
    // One frame period; kNoTime when unpaced.
    Nanos period() const;

    Tick next(Nanos now) const;
    // When frame `number` is due.
    Nanos time_of(uint64_t number) const;
    // The first frame time at or after `time` (paced only).
    Nanos time_at_or_after(Nanos time) const;
    void taken(const Tick &tick) {
        last_ = tick.number;
        started_ = true;
    }

private:
    uint64_t number_at(Nanos time) const;

    unsigned numerator_ = 0, denominator_ = 1;
    bool started_ = false;
    uint64_t last_ = 0;
};

} // namespace xshm
