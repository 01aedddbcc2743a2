// SPDX-License-Identifier: LGPL-2.1-or-later
// The real xshm-record run by a test, and its files read back by readers that
// are not ours: ffprobe for containers, packets, keyframes and timestamps,
// ffmpeg for a decode that must be silent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/xvfb_server.h"

namespace xshm_test {

// A path in the temporary directory, unique to this test process.
std::string temp_path(const std::string &name);
bool exists(const std::string &path);

// xshm-record ($XSHM_RECORD) with `args` on display `x` (output on a pipe
// unless `terminal`).
ChildProcess *recorder(const XvfbServer &x, std::vector<std::string> args, bool terminal = false);

// One ffprobe value, e.g. probe(f, "v:0", "stream=codec_name") (the last line).
std::string probe(const std::string &file, const std::string &stream, const std::string &entry);
// Returns once `file` has its first frame (up to 20 s): a slow start, as
// under a sanitizer, must not miss what a test does next.
void wait_until_recording(const std::string &file);
// The same as a number of seconds; -1 when absent.
double probe_seconds(const std::string &file, const std::string &stream, const std::string &entry);
// Where the stream's last packet ends, from its packets (Matroska keeps no
// per-stream duration).
double stream_end(const std::string &file, const std::string &stream);

struct VideoFrame {
    double pts = 0; // seconds of file time
    bool key = false;
};
// Every video frame as FFmpeg decodes it, in order.
std::vector<VideoFrame> video_frames(const std::string &file);
// Frame `index` (0 the first) as FFmpeg decodes it: RGB bytes, rows packed
// (width * 3); empty when there is none.
std::vector<uint8_t> picture(const std::string &file, std::size_t index);
// What FFmpeg says while decoding the whole file (warnings and errors): "" for a good file.
std::string decode_complaints(const std::string &file);

// A PulseAudio of the test's own with a null sink `sink` (and its monitor
// source `sink`.monitor); the environment points pulsesrc at it until it ends.
class PulseServer {
public:
    explicit PulseServer(const std::string &sink);
    ~PulseServer();
    PulseServer(const PulseServer &) = delete;
    PulseServer &operator=(const PulseServer &) = delete;

private:
    std::string dir_;
    ChildProcess *server_ = nullptr;
};

} // namespace xshm_test
