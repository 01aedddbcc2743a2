// SPDX-License-Identifier: LGPL-2.1-or-later
#include "xvfb_server.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace xshm_test {

XvfbServer::XvfbServer(const XvfbOptions &options) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    const std::string screen = std::to_string(options.width) + "x" +
                               std::to_string(options.height) + "x" + std::to_string(options.depth);
    // Made before fork: the child only calls what allocates nothing (under
    // ASan an allocation unwinds the stack, and libunwind, set up by the
    // plugin, reopens its pipe in a new process over descriptors set here).
    std::vector<const char *> argv = {"Xvfb",    "-displayfd", "3",           "-noreset",
                                      "-screen", "0",          screen.c_str()};
    argv.push_back(options.listen_tcp ? "-listen" : "-nolisten");
    argv.push_back("tcp");
    for (const std::string &arg : options.extra_args)
        argv.push_back(arg.c_str());
    argv.push_back(nullptr);
    const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    const pid_t test = getpid();
    pid_ = fork();
    if (pid_ == 0) {
        // Gone with the test, even one that failed or timed out before its
        // destructors ran (and stopped, as some tests leave it).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != test)
            _exit(1);
        dup2(fds[1], 3); // dup2 clears CLOEXEC on the copy
        dup2(devnull, 2);
        dup2(devnull, 1);
        execvp("Xvfb", const_cast<char **>(argv.data()));
        _exit(127);
    }
    close(devnull);
    close(fds[1]);
    std::string number;
    pollfd pfd{fds[0], POLLIN, 0};
    char ch;
    // The server writes its display number once it accepts connections.
    while (poll(&pfd, 1, 20000) > 0 && read(fds[0], &ch, 1) == 1 && ch != '\n')
        number += ch;
    close(fds[0]);
    if (number.empty()) {
        kill();
        throw std::runtime_error("Xvfb did not start (is the xvfb package installed?)");
    }
    number_ = std::atoi(number.c_str());
    display_ = ":" + number;
}

XvfbServer::~XvfbServer() { kill(); }

std::string XvfbServer::tcp_display() const { return "localhost:" + std::to_string(number_); }

void XvfbServer::kill() {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

int count_slot_mappings(pid_t pid) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    int count = 0;
    while (std::getline(maps, line))
        if (line.find("xshm-slot") != std::string::npos)
            ++count;
    return count;
}

std::vector<SysvSegment> sysv_segments() {
    std::ifstream in("/proc/sysvipc/shm");
    std::string line;
    std::getline(in, line); // the header
    std::vector<SysvSegment> segments;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        long key = 0, size = 0, cpid = 0;
        SysvSegment s;
        fields >> key >> s.shmid >> std::oct >> s.perms >> std::dec >> size >> cpid;
        s.creator = pid_t(cpid);
        segments.push_back(s);
    }
    return segments;
}

int count_sysv_segments(pid_t creator) {
    int count = 0;
    for (const SysvSegment &s : sysv_segments())
        count += s.creator == creator;
    return count;
}

int count_open_fds() {
    int count = 0;
    if (DIR *dir = opendir("/proc/self/fd")) {
        while (dirent *entry = readdir(dir))
            if (entry->d_name[0] != '.')
                ++count;
        closedir(dir);
    }
    return count - 1; // the directory stream itself
}

} // namespace xshm_test
