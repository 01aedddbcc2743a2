// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mp4_header.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <unistd.h>
#include <vector>

namespace xshm_record {
namespace {

constexpr std::size_t kHeaderBytes = 1 << 20; // the first moov follows the first fragment

struct Box {
    std::size_t start = 0, body = 0, end = 0; // body: after size and type
    char type[5] = {};
};

uint64_t read_be(const uint8_t *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = v << 8 | p[i];
    return v;
}

void write_be(uint8_t *p, int bytes, uint64_t v) {
    for (int i = bytes - 1; i >= 0; --i, v >>= 8)
        p[i] = uint8_t(v);
}

// The boxes in [from, to) of `data`; stops at one that does not fit.
std::vector<Box> boxes(const std::vector<uint8_t> &data, std::size_t from, std::size_t to) {
    std::vector<Box> found;
    while (from + 8 <= to) {
        Box b;
        b.start = from;
        uint64_t size = read_be(&data[from], 4);
        b.body = from + 8;
        if (size == 1 && from + 16 <= to) {
            size = read_be(&data[from + 8], 8);
            b.body = from + 16;
        }
        if (size < b.body - from || from + size > to)
            break;
        b.end = from + size;
        std::memcpy(b.type, &data[from + 4], 4);
        found.push_back(b);
        from = b.end;
    }
    return found;
}

// A copy: the list is often a temporary.
std::optional<Box> child(const std::vector<Box> &list, const char *type) {
    for (const Box &b : list)
        if (std::strcmp(b.type, type) == 0)
            return b;
    return std::nullopt;
}

// A full box's duration field, `v0` (version 0: 32 bits) or `v1` (version 1:
// 64 bits) bytes into its body.
void set_duration(std::vector<uint8_t> &data, const Box &b, std::size_t v0, std::size_t v1,
                  uint64_t value) {
    const bool wide = data[b.body] == 1;
    const std::size_t at = b.body + (wide ? v1 : v0);
    if (at + (wide ? 8 : 4) <= b.end)
        write_be(&data[at], wide ? 8 : 4, wide ? value : std::min<uint64_t>(value, UINT32_MAX));
}

uint32_t timescale(const std::vector<uint8_t> &data, const Box &b, std::size_t v0, std::size_t v1) {
    const std::size_t at = b.body + (data[b.body] == 1 ? v1 : v0);
    return at + 4 <= b.end ? uint32_t(read_be(&data[at], 4)) : 0;
}

// The edit list plays `total` (movie timescale): its last entry lasts what
// the entries before it (an empty edit for a late start) leave.
void set_edits(std::vector<uint8_t> &data, const Box &elst, uint64_t total) {
    const bool wide = data[elst.body] == 1;
    const std::size_t entry = wide ? 20 : 12, first = elst.body + 8;
    const uint64_t count = elst.body + 8 <= elst.end ? read_be(&data[elst.body + 4], 4) : 0;
    if (count == 0 || first + count * entry > elst.end)
        return;
    uint64_t before = 0;
    for (uint64_t i = 0; i + 1 < count; ++i)
        before += read_be(&data[first + i * entry], wide ? 8 : 4);
    write_be(&data[first + (count - 1) * entry], wide ? 8 : 4, total > before ? total - before : 0);
}

void set_track(std::vector<uint8_t> &data, const Box &trak, double seconds, uint32_t movie_scale) {
    const std::vector<Box> parts = boxes(data, trak.body, trak.end);
    const uint64_t in_movie = uint64_t(seconds * movie_scale);
    if (const std::optional<Box> tkhd = child(parts, "tkhd"))
        set_duration(data, *tkhd, 20, 28, in_movie);
    if (const std::optional<Box> edts = child(parts, "edts"))
        if (const std::optional<Box> elst = child(boxes(data, edts->body, edts->end), "elst"))
            set_edits(data, *elst, in_movie);
    if (const std::optional<Box> mdia = child(parts, "mdia"))
        if (const std::optional<Box> mdhd = child(boxes(data, mdia->body, mdia->end), "mdhd"))
            set_duration(data, *mdhd, 16, 24, uint64_t(seconds * timescale(data, *mdhd, 12, 20)));
}

} // namespace

bool set_mp4_durations(int fd, double seconds) {
    std::vector<uint8_t> data(kHeaderBytes);
    const ssize_t n = pread(fd, data.data(), data.size(), 0);
    const std::vector<Box> top = boxes(data, 0, n > 0 ? std::size_t(n) : 0);
    const std::optional<Box> moov = child(top, "moov");
    bool done = false;
    if (moov) {
        const std::vector<Box> parts = boxes(data, moov->body, moov->end);
        const std::optional<Box> mvhd = child(parts, "mvhd");
        const uint32_t scale = mvhd ? timescale(data, *mvhd, 12, 20) : 0;
        if (scale != 0) {
            set_duration(data, *mvhd, 16, 24, uint64_t(seconds * scale));
            for (const Box &b : parts)
                if (std::strcmp(b.type, "trak") == 0)
                    set_track(data, b, seconds, scale);
            if (const std::optional<Box> mvex = child(parts, "mvex"))
                if (const std::optional<Box> mehd =
                        child(boxes(data, mvex->body, mvex->end), "mehd"))
                    set_duration(data, *mehd, 4, 4, uint64_t(seconds * scale));
            const std::size_t length = moov->end - moov->start;
            done = pwrite(fd, &data[moov->start], length, off_t(moov->start)) == ssize_t(length);
        }
    }
    return done;
}

} // namespace xshm_record
