// SPDX-License-Identifier: LGPL-2.1-or-later
// The file a recording goes to. An existing file (-y) is replaced only once
// its replacement really records: until then the muxer writes to a hidden
// name beside it, renamed over the old file when its first bytes are on disk,
// so a recording that fails to start leaves the old file as it was, and a
// crash after the start leaves the recording under the name the user gave.
#pragma once

#include <cstdint>
#include <string>

namespace xshm_record {

// The hidden name a replacement is written to, in the same directory (so the
// rename is atomic): "dir/.name.mkv.xshm-record-PID".
std::string replacement_path(const std::string &path, long pid);

class OutputFile {
public:
    // An existing regular file at `path` is replaced through the hidden
    // name; anything else (a new file, a FIFO, a device) is written as it is.
    explicit OutputFile(std::string path);

    const std::string &path() const { return path_; }
    // Where the muxer writes: the hidden name until published, then path().
    const std::string &writing_path() const { return replacing_ ? hidden_ : path_; }
    // The file is under its own name (always, unless replacing an old one).
    bool published() const { return !replacing_; }
    // Renames the hidden file over the old one once it holds bytes; returns
    // whether the file is now under its name. Throws nothing: a failed
    // rename keeps the hidden name and says so through `error`.
    bool publish(std::string *error);
    // What this recording created, to remove when nothing was recorded: the
    // hidden replacement, or a file that did not exist ("" for a FIFO or a
    // device given, which stays).
    std::string created_path() const;
    // Nothing was recorded: removes what was created; an old file stays.
    void discard() const;
    // False when the file (or its directory) was removed while recording.
    bool exists() const;
    uint64_t size() const;

private:
    std::string path_;
    std::string hidden_;
    bool replacing_ = false;
    bool existed_ = false; // something was at path() before
};

} // namespace xshm_record
