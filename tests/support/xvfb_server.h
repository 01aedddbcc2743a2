// SPDX-License-Identifier: LGPL-2.1-or-later
// A private Xvfb for one test: its own display number (picked by the server
// through -displayfd, so tests run in parallel), killed when the test ends.
#pragma once

#include <string>
#include <vector>
#include <sys/types.h>

namespace xshm_test {

struct XvfbOptions {
    XvfbOptions(unsigned w = 640, unsigned h = 480, unsigned d = 24)
        : width(w), height(h), depth(d) {}
    unsigned width, height, depth;
    bool listen_tcp = false; // for the fallback path: DISPLAY=localhost:N refuses MIT-SHM
    std::vector<std::string> extra_args; // e.g. {"-extension", "DAMAGE"}
};

class XvfbServer {
public:
    explicit XvfbServer(const XvfbOptions &options = {});
    ~XvfbServer();
    XvfbServer(const XvfbServer &) = delete;
    XvfbServer &operator=(const XvfbServer &) = delete;

    const std::string &display() const { return display_; } // ":N"
    std::string tcp_display() const;                        // "localhost:N"
    pid_t pid() const { return pid_; }
    // The X server vanishes (SIGKILL), as when it crashes.
    void kill();

private:
    pid_t pid_ = -1;
    std::string display_;
    int number_ = -1;
};

// Lines of /proc/<pid>/maps naming the memfd slots ("xshm-slot").
int count_slot_mappings(pid_t pid);
// The SysV shared-memory segments of the system (/proc/sysvipc/shm).
struct SysvSegment {
    long shmid = 0;
    unsigned perms = 0; // mode bits, e.g. 0600
    pid_t creator = 0;
};
std::vector<SysvSegment> sysv_segments();
// How many of them process `creator` made. Other tests running beside this one
// make and remove segments too: a count over the system is not this test's.
int count_sysv_segments(pid_t creator);
// Open file descriptors of this process.
int count_open_fds();

} // namespace xshm_test
