// SPDX-License-Identifier: LGPL-2.1-or-later
#include "child_process.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

namespace xshm_test {

ChildProcess::ChildProcess(const std::vector<std::string> &argv, bool terminal) {
    std::vector<char *> args;
    for (const std::string &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    int pipe_fds[2] = {-1, -1};
    if (terminal) {
        pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    } else {
        if (pipe(pipe_fds) != 0)
            throw std::runtime_error("pipe failed");
        pid_ = fork();
    }
    if (pid_ < 0)
        throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        if (!terminal) {
            dup2(pipe_fds[1], STDOUT_FILENO);
            dup2(pipe_fds[1], STDERR_FILENO);
            close(pipe_fds[0]);
            close(pipe_fds[1]);
        }
        execvp(args[0], args.data());
        _exit(127);
    }
    if (!terminal) {
        close(pipe_fds[1]);
        fd_ = pipe_fds[0];
    }
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
    if (status_ < 0 && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0)
        close(fd_);
}

void ChildProcess::signal(int number) { kill(pid_, number); }

void ChildProcess::read_available(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, timeout_ms) <= 0)
        return;
    char buffer[4096];
    for (;;) {
        const ssize_t n = read(fd_, buffer, sizeof buffer);
        if (n > 0) {
            output_.append(buffer, std::size_t(n));
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) { // closed (a pty says EIO)
            close(fd_);
            fd_ = -1;
        }
        return;
    }
}

int ChildProcess::wait(int timeout_ms) {
    const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
    while (status_ < 0 && g_get_monotonic_time() < deadline) {
        int raw = 0;
        if (waitpid(pid_, &raw, WNOHANG) == pid_)
            status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        else
            read_available(20);
    }
    return status_;
}

const std::string &ChildProcess::output() {
    for (int i = 0; i < 50 && fd_ >= 0; ++i)
        read_available(20);
    return output_;
}

namespace {
constexpr const char *kSetAsidePreload = "XSHM_TEST_SANITIZER_PRELOAD";
}

void set_sanitizer_preload_aside() {
    if (const char *preload = g_getenv("LD_PRELOAD")) {
        g_setenv(kSetAsidePreload, preload, TRUE);
        g_unsetenv("LD_PRELOAD");
    }
}

void restore_sanitizer_preload() {
    if (const char *preload = g_getenv(kSetAsidePreload))
        g_setenv("LD_PRELOAD", preload, TRUE);
}

std::string command_output(const std::string &command) {
    std::string text;
    if (FILE *pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        std::size_t n;
        while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
            text.append(buffer, n);
        pclose(pipe);
    }
    return text;
}

} // namespace xshm_test
