// SPDX-License-Identifier: LGPL-2.1-or-later
// A program the test runs (the real xshm-record), its output read from a pipe
// or, to look like a terminal, a pseudo-terminal.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace xshm_test {

class ChildProcess {
public:
    // Starts `argv` with stdout and stderr together on a pipe, or on a pty.
    explicit ChildProcess(const std::vector<std::string> &argv, bool terminal = false);
    // gst-launch-1.0 with `args`: a program not ours that loads our plugin,
    // so it runs with the sanitizer preload of the setup (if any).
    static ChildProcess *gst_launch(const std::vector<std::string> &args);
    ~ChildProcess(); // kills it if still running

    pid_t pid() const { return pid_; }
    void signal(int number);
    // The exit status (128 + signal when killed), or -1 after `timeout_ms`.
    int wait(int timeout_ms = 30000);
    // Everything it wrote (read until it closed its side).
    const std::string &output();

private:
    ChildProcess(const std::vector<std::string> &argv, bool terminal,
                 const std::vector<std::string> &extra_env);
    void read_available(int timeout_ms);
    pid_t pid_ = -1;
    int fd_ = -1;
    int status_ = -1;
    std::string output_;
};

// Runs `command` in a shell and returns what it printed on stdout.
std::string command_output(const std::string &command);

// Sanitizer setups preload their runtime (tests/meson.build) for the programs
// of ours a test starts. Third-party ones (Xvfb and its xkbcomp, xrandr,
// openbox, ffprobe, ...) must run without it, or LeakSanitizer fails them for
// leaks of their own: main() sets the preload aside for every child, and a
// child that loads our plugin (ChildProcess::gst_launch) gets it back.
void set_sanitizer_preload_aside();

} // namespace xshm_test
