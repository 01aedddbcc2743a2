// SPDX-License-Identifier: LGPL-2.1-or-later
#include "output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace xshm_record {

std::string replacement_path(const std::string &path, long pid) {
    const std::size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    return dir + "." + name + ".xshm-record-" + std::to_string(pid);
}

namespace {

bool is_regular_file(const std::string &path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

OutputFile::OutputFile(std::string path)
    : path_(std::move(path)), hidden_(replacement_path(path_, long(getpid()))),
      replacing_(is_regular_file(path_)), existed_(access(path_.c_str(), F_OK) == 0) {}

bool OutputFile::publish(std::string *error) {
    if (!replacing_)
        return true;
    struct stat st {};
    if (stat(hidden_.c_str(), &st) != 0 || st.st_size == 0)
        return false; // not written yet
    if (std::rename(hidden_.c_str(), path_.c_str()) != 0) {
        *error = "cannot replace " + path_ + ": " + std::strerror(errno) +
                 "; the recording is in " + hidden_;
        return false;
    }
    replacing_ = false;
    return true;
}

std::string OutputFile::created_path() const {
    return replacing_ ? hidden_ : existed_ ? "" : path_;
}

void OutputFile::discard() const {
    const std::string created = created_path();
    if (!created.empty())
        unlink(created.c_str());
}

bool OutputFile::exists() const {
    struct stat st {};
    return stat(writing_path().c_str(), &st) == 0;
}

uint64_t OutputFile::size() const {
    struct stat st {};
    return stat(writing_path().c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

} // namespace xshm_record
