// SPDX-License-Identifier: LGPL-2.1-or-later
// A fragmented MP4 being recorded keeps its first moov's durations (the first
// fragment's) until mp4mux finalises the file at the stop: a recorder killed
// before then leaves a file whose header says 2 s while it plays 8 (players
// and GStreamer's discoverer believe the header). The recorder brings those
// durations up to date as it goes, in place: mp4mux writes only at the end of
// the file until it finalises, and this is never called once stopping.
#pragma once

namespace xshm_record {

// Sets the durations of the first moov of the MP4 open (read and write) as
// `fd` (mvhd, mehd, and each track's tkhd, mdhd and edit list) to `seconds`.
// False when the file has no such moov (yet) or cannot be written.
bool set_mp4_durations(int fd, double seconds);

} // namespace xshm_record
