// SPDX-License-Identifier: LGPL-2.1-or-later
// What xshm-record says while and after it records: one status line (rewritten
// in place on a terminal) and a summary.
#pragma once

#include <cstdint>
#include <string>

namespace xshm_record {

struct Progress {
    double seconds = 0;    // recorded so far
    uint64_t frames = 0;   // written to the file
    uint64_t changed = 0;  // captured because the screen changed
    uint64_t repeated = 0; // the last frame again (keepalive, constant rate, closing)
    uint64_t dropped = 0;  // frame times missed because capture or encoding fell behind
    uint64_t bytes = 0;    // the file's size
};

// "00:01:23  1234 frames (1180 changed, 54 repeated)  12.3 MB  1.2 Mbit/s"
std::string status_text(const Progress &progress);
// "wrote FILE: 00:00:05, 151 frames (...), 2.3 MB, 3.6 Mbit/s"
std::string summary_text(const std::string &file, const Progress &progress);

} // namespace xshm_record
