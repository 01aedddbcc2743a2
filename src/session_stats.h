// SPDX-License-Identifier: LGPL-2.1-or-later
// What a capture session cost, and the one table of its counters' names:
// xshmsrc's "stats" structure and the property's description are made from it.
#pragma once

#include <cstdint>
#include <iterator>

namespace xshm {

struct SessionStats {
    uint64_t frames = 0; // pushed, of any kind
    uint64_t full_captures = 0, partial_captures = 0;
    uint64_t repeated_frames = 0, keepalive_frames = 0, closing_frames = 0;
    uint64_t requested_frames = 0;
    uint64_t skipped_frames = 0; // frame times with nothing pushed
    uint64_t bytes_fetched = 0;
    uint64_t bytes_full = 0;      // what full captures of the captured frames would have fetched
    uint64_t bytes_converted = 0; // BGRx bytes converted to I420/NV12/Y444
    uint64_t cursor_fetches = 0;
};

struct StatField {
    const char *name; // as applications read it
    uint64_t SessionStats::*counter;
};

inline constexpr StatField kStatFields[] = {
    {"frames", &SessionStats::frames},
    {"full-captures", &SessionStats::full_captures},
    {"partial-captures", &SessionStats::partial_captures},
    {"repeated-frames", &SessionStats::repeated_frames},
    {"keepalive-frames", &SessionStats::keepalive_frames},
    {"closing-frames", &SessionStats::closing_frames},
    {"requested-frames", &SessionStats::requested_frames},
    {"skipped-frames", &SessionStats::skipped_frames},
    {"bytes-fetched", &SessionStats::bytes_fetched},
    {"bytes-full-frames", &SessionStats::bytes_full},
    {"bytes-converted", &SessionStats::bytes_converted},
    {"cursor-image-fetches", &SessionStats::cursor_fetches},
};
// A counter added to SessionStats needs its name here.
static_assert(sizeof(SessionStats) == std::size(kStatFields) * sizeof(uint64_t),
              "every counter of SessionStats is in kStatFields");

// Calls f(name, value) for each counter, in the table's order.
template <typename F>
void for_each_stat(const SessionStats &stats, F &&f) {
    for (const StatField &field : kStatFields)
        f(field.name, stats.*field.counter);
}

} // namespace xshm
