// SPDX-License-Identifier: LGPL-2.1-or-later
#include "progress_line.h"

#include <cmath>
#include <cstdio>

namespace xshm_record {
namespace {

// "00:01:23" as the clock ticks; to the nearest tenth ("00:01:23.5") for the
// summary, where a 2.98 s file must not read as 2 s.
std::string clock_text(double seconds, bool tenths = false) {
    const long long t = tenths ? std::llround(seconds * 10) : (long long)(seconds)*10;
    const long long s = t / 10;
    char text[40];
    const int n =
        std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    if (tenths)
        std::snprintf(text + n, sizeof text - n, ".%lld", t % 10);
    return text;
}

std::string size_text(uint64_t bytes) {
    char text[32];
    if (bytes < 1000 * 1000)
        std::snprintf(text, sizeof text, "%.0f kB", bytes / 1e3);
    else if (bytes < 1000ull * 1000 * 1000)
        std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
    else
        std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
    return text;
}

std::string rate_text(const Progress &p) {
    char text[32];
    const double bits = p.seconds > 0 ? p.bytes * 8.0 / p.seconds : 0;
    if (bits < 1e6)
        std::snprintf(text, sizeof text, "%.0f kbit/s", bits / 1e3);
    else
        std::snprintf(text, sizeof text, "%.1f Mbit/s", bits / 1e6);
    return text;
}

std::string frames_text(const Progress &p) {
    std::string text = std::to_string(p.frames) + " frames (" + std::to_string(p.changed) +
                       " changed, " + std::to_string(p.repeated) + " repeated)";
    if (p.dropped)
        text += ", " + std::to_string(p.dropped) + " dropped";
    return text;
}

} // namespace

std::string status_text(const Progress &p) {
    return clock_text(p.seconds) + "  " + frames_text(p) + "  " + size_text(p.bytes) + "  " +
           rate_text(p);
}

std::string summary_text(const std::string &file, const Progress &p) {
    return "wrote " + file + ": " + clock_text(p.seconds, true) + ", " + frames_text(p) + ", " +
           size_text(p.bytes) + ", " + rate_text(p);
}

} // namespace xshm_record
