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

extern char **environ;

namespace xshm_test {
namespace {
constexpr const char *kSetAsidePreload = "XSHM_TEST_SANITIZER_PRELOAD";

std::vector<char *> pointers(const std::vector<std::string> &strings) {
    std::vector<char *> p;
    for (const std::string &s : strings)
        p.push_back(const_cast<char *>(s.c_str()));
    p.push_back(nullptr);
    return p;
}
} // namespace

ChildProcess::ChildProcess(const std::vector<std::string> &argv, bool terminal)
    : ChildProcess(argv, terminal, {}) {}

ChildProcess *ChildProcess::gst_launch(const std::vector<std::string> &args) {
    std::vector<std::string> argv = {"gst-launch-1.0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    if (const char *preload = g_getenv(kSetAsidePreload))
        env.push_back(std::string("LD_PRELOAD=") + preload);
    return new ChildProcess(argv, false, env);
}

// The environment is made before fork: the child only calls exec.
ChildProcess::ChildProcess(const std::vector<std::string> &argv, bool terminal,
                           const std::vector<std::string> &extra_env) {
    std::vector<char *> args = pointers(argv);
    std::vector<std::string> env_strings(extra_env);
    for (char **e = environ; *e != nullptr; ++e)
        env_strings.push_back(*e);
    std::vector<char *> env = pointers(env_strings);
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
        execvpe(args[0], args.data(), env.data());
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

void set_sanitizer_preload_aside() {
    if (const char *preload = g_getenv("LD_PRELOAD")) {
        g_setenv(kSetAsidePreload, preload, TRUE);
        g_unsetenv("LD_PRELOAD");
    }
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
