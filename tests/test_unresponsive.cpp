// SPDX-License-Identifier: LGPL-2.1-or-later
// An X server that does not answer: stopped (SIGSTOP) before the start or in
// the middle of a recording, or a socket that accepts and says nothing. Every
// wait on it ends within the bound, naming the display, and Ctrl-C, EOS, a
// flush or a stop end a wait at once. Stopped servers are continued before
// any check can fail (and die with the test anyway: support/xvfb_server.cpp).
#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "capture_session.h"
#include "display_connection.h"
#include "support/capture_pipeline.h"
#include "support/child_process.h"
#include "support/expectations.h"
#include "support/frame_differs.h"
#include "support/media_file.h"
#include "support/painted_screen.h"
#include "support/recorder_files.h"
#include "support/screen_painter.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

const double kBound = double(xshm::kServerTimeout.count()); // seconds

double seconds_since(gint64 begin_us) { return (g_get_monotonic_time() - begin_us) / 1e6; }

// The server is stopped (SIGSTOP, as by Ctrl-Z or a debugger) while this
// lives, and continued when it goes.
class Stopped {
public:
    explicit Stopped(const XvfbServer &x) : pid_(x.pid()) {
        kill(pid_, SIGSTOP);
        // Stopped for sure (state T) before the test goes on.
        for (int i = 0; i < 100 && state() != 'T'; ++i)
            g_usleep(10000);
    }
    ~Stopped() { kill(pid_, SIGCONT); }
    Stopped(const Stopped &) = delete;
    Stopped &operator=(const Stopped &) = delete;

private:
    char state() const {
        std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const std::size_t end = text.rfind(')');
        return end == std::string::npos || end + 2 >= text.size() ? '?' : text[end + 2];
    }
    pid_t pid_;
};

// Listens on TCP port 6000+N of 127.0.0.1 (and ::1, where "localhost" may
// lead first), accepts, and never says a word: display "localhost:N".
class SilentServer {
public:
    SilentServer() {
        for (int n = 150; n < 400 && listeners_.empty(); ++n) {
            const int v4 = listen_on(AF_INET, 6000 + n), v6 = listen_on(AF_INET6, 6000 + n);
            if (v4 >= 0 && (v6 >= 0 || errno != EADDRINUSE)) {
                number_ = n;
                listeners_ = {v4};
                if (v6 >= 0)
                    listeners_.push_back(v6);
                break;
            }
            for (int fd : {v4, v6})
                if (fd >= 0)
                    close(fd);
        }
        fail_unless(!listeners_.empty(), "no free TCP port for a silent display");
        acceptor_ = std::thread([this] { accept_all(); });
    }
    ~SilentServer() {
        done_ = true;
        acceptor_.join();
        for (int fd : listeners_)
            close(fd);
        for (int fd : accepted_)
            close(fd);
    }
    std::string display() const { return "localhost:" + std::to_string(number_); }

private:
    // A listening socket, or -1 (errno says why).
    static int listen_on(int family, int port) {
        const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        sockaddr_storage addr{};
        socklen_t length;
        if (family == AF_INET) {
            auto *a = reinterpret_cast<sockaddr_in *>(&addr);
            a->sin_family = AF_INET;
            a->sin_port = htons(uint16_t(port));
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            length = sizeof(sockaddr_in);
        } else {
            const int only = 1;
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
            auto *a = reinterpret_cast<sockaddr_in6 *>(&addr);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(uint16_t(port));
            a->sin6_addr = in6addr_loopback;
            length = sizeof(sockaddr_in6);
        }
        if (bind(fd, reinterpret_cast<sockaddr *>(&addr), length) != 0 || listen(fd, 8) != 0) {
            const int cause = errno;
            close(fd);
            errno = cause;
            return -1;
        }
        return fd;
    }
    void accept_all() {
        while (!done_) {
            std::vector<pollfd> fds;
            for (int fd : listeners_)
                fds.push_back({fd, POLLIN, 0});
            if (poll(fds.data(), fds.size(), 50) <= 0)
                continue;
            for (const pollfd &p : fds) {
                const int fd =
                    p.revents & POLLIN ? accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC) : -1;
                if (fd >= 0)
                    accepted_.push_back(fd);
            }
        }
    }
    int number_ = -1;
    std::vector<int> listeners_;
    std::vector<int> accepted_; // the acceptor's until it is joined
    std::atomic<bool> done_{false};
    std::thread acceptor_;
};

struct Finished {
    int status = -1; // -1: still running at the limit (then killed)
    double seconds = 0;
    std::string output;
};

// xshm-record with `args`, waited for at most `limit_s`.
Finished record(const std::vector<std::string> &args, int limit_s) {
    std::vector<std::string> argv = {g_getenv("XSHM_RECORD")};
    argv.insert(argv.end(), args.begin(), args.end());
    const gint64 begin = g_get_monotonic_time();
    ChildProcess r(argv);
    Finished f;
    f.status = r.wait(limit_s * 1000);
    f.seconds = seconds_since(begin);
    f.output = r.output();
    return f;
}

// The recorder refused within 15 s, naming the display, and left no file.
void expect_gave_up(const Finished &run, const std::string &display, const std::string &file) {
    fail_unless(run.status == 2, "exit %d after %.1f s: %s", run.status, run.seconds,
                run.output.c_str());
    fail_unless(run.seconds <= 15, "gave up after %.1f s", run.seconds);
    fail_unless(contains(run.output, "'" + display + "'") && contains(run.output, "did not answer"),
                "%s", run.output.c_str());
    fail_unless(!exists(file), "a file was left behind");
}

} // namespace

GST_START_TEST(recorder_gives_up_on_a_stopped_server) {
    XvfbServer x({320, 240, 24});
    const std::string file = temp_path("stopped.mkv");
    Finished run;
    {
        Stopped stopped(x);
        run = record({"--display", x.display(), file}, 30);
    }
    expect_gave_up(run, x.display(), file);
}
GST_END_TEST;

// Ctrl-C while the recorder waits for a stopped server at its start ends it
// at once, leaving no file.
GST_START_TEST(ctrl_c_while_starting_ends_at_once) {
    XvfbServer x({320, 240, 24});
    const std::string file = temp_path("starting.mkv");
    Stopped stopped(x);
    ChildProcess r({g_getenv("XSHM_RECORD"), "--display", x.display(), file});
    g_usleep(1500000);
    const gint64 interrupted = g_get_monotonic_time();
    r.signal(SIGINT);
    const int status = r.wait(5000);
    const double took = seconds_since(interrupted);
    fail_unless(status == 130, "exit %d: %s", status, r.output().c_str());
    fail_unless(took < 1.0, "ended %.2f s after Ctrl-C", took);
    fail_unless(!exists(file), "a file was left behind");
}
GST_END_TEST;

GST_START_TEST(recorder_gives_up_on_a_silent_socket) {
    SilentServer silent;
    const std::string file = temp_path("silent.mkv");
    const Finished run = record({"--display", silent.display(), file}, 30);
    expect_gave_up(run, silent.display(), file);
}
GST_END_TEST;

GST_START_TEST(xshmsrc_start_fails_on_a_stopped_server) {
    XvfbServer x({320, 240, 24});
    GstStateChangeReturn started;
    std::string error;
    double seconds;
    {
        Stopped stopped(x);
        CapturePipeline cp("display-name=" + x.display());
        const gint64 begin = g_get_monotonic_time();
        started = cp.play();
        seconds = seconds_since(begin);
        error = message_text(cp, GST_MESSAGE_ERROR, GST_SECOND);
    }
    fail_unless(started == GST_STATE_CHANGE_FAILURE, "state change %d", int(started));
    fail_unless(seconds <= kBound + 2, "failed after %.1f s", seconds);
    fail_unless(contains(error, "'" + x.display() + "'") && contains(error, "did not answer"),
                "error: '%s'", error.c_str());
}
GST_END_TEST;

namespace {

// A recording of changes that the server freezes 2.5 s into (Ctrl-C a
// moment later when `interrupt`): how it ended and what the file holds.
struct FrozenRecording {
    int status = -1;
    double seconds = 0; // from the freeze (or the Ctrl-C) to the exit
    std::string output, errors;
    double duration = 0;
};

FrozenRecording record_until_frozen(const XvfbServer &x, const std::string &name, bool interrupt) {
    ScreenPainter p(x.display());
    const std::string file = temp_path(name);
    auto *r = new ChildProcess({g_getenv("XSHM_RECORD"), "-q", "--display", x.display(), file});
    p.animate(2.5, true);
    FrozenRecording f;
    {
        Stopped stopped(x);
        if (interrupt) {
            g_usleep(500000); // capture now waits on the server
            r->signal(SIGINT);
        }
        const gint64 begin = g_get_monotonic_time();
        f.status = r->wait(int(kBound + 15) * 1000);
        f.seconds = seconds_since(begin);
    }
    f.output = r->output();
    delete r;
    f.errors = decode_complaints(file);
    f.duration = file_duration(file) / double(GST_SECOND);
    unlink(file.c_str());
    return f;
}

} // namespace

// The server freezes two seconds into a recording: the recorder gives up
// after the bound and keeps a sound file of what it recorded.
GST_START_TEST(recorder_keeps_the_file_when_the_server_freezes) {
    XvfbServer x({320, 240, 24});
    const FrozenRecording f = record_until_frozen(x, "frozen.mkv", false);
    fail_unless(f.status == 1, "exit %d after %.1f s: %s", f.status, f.seconds, f.output.c_str());
    fail_unless(f.seconds <= kBound + 4, "gave up after %.1f s", f.seconds);
    fail_unless(contains(f.output, "X display '" + x.display() + "' did not answer"), "%s",
                f.output.c_str());
    fail_unless(f.errors.empty(), "the file does not decode: %s", f.errors.c_str());
    fail_unless(f.duration > 1.5 && f.duration < 3.5, "the file holds %.3f s", f.duration);
}
GST_END_TEST;

// Ctrl-C while the server is frozen: the capture's wait ends at once and the
// recording is finished as for any Ctrl-C.
GST_START_TEST(ctrl_c_ends_a_recording_on_a_frozen_server) {
    XvfbServer x({320, 240, 24});
    const FrozenRecording f = record_until_frozen(x, "interrupted.mkv", true);
    fail_unless(f.status == 0, "exit %d after %.1f s: %s", f.status, f.seconds, f.output.c_str());
    fail_unless(f.seconds <= 3, "Ctrl-C took %.1f s", f.seconds);
    fail_unless(f.errors.empty(), "the file does not decode: %s", f.errors.c_str());
    fail_unless(f.duration > 1.5, "the file holds %.3f s", f.duration);
}
GST_END_TEST;

// A flush (a seek; basesrc's unlock) waits for the capture to stop, and so
// does stopping the pipeline: both prompt while the server is frozen, and
// after the flush capture goes on right once the server is back. The
// pointer, asked for with every frame, is kept out of the captured corner.
GST_START_TEST(flush_and_stop_on_a_frozen_server_are_prompt) {
    PaintedScreen screen({320, 240, 24}, 61);
    screen.warp_pointer(300, 220);
    screen.sync();
    // Room for every frame: the source is never held up by the sink.
    CapturePipeline cp("display-name=" + screen.display() +
                           " show-pointer=true startx=0 starty=0 endx=159 endy=119",
                       "framerate=30/1", 100);
    fail_unless_equals_int(cp.play(), GST_STATE_CHANGE_SUCCESS);
    expect_frame(cp, screen.expected(0, 0, 160, 120), 160, 120, 4, "before the freeze");
    double flush_seconds, stop_seconds;
    {
        Stopped stopped(screen);
        g_usleep(300000); // capture now waits on the server
        const gint64 begin = g_get_monotonic_time();
        gst_element_send_event(cp.source(), gst_event_new_flush_start());
        gst_element_send_event(cp.source(), gst_event_new_flush_stop(TRUE));
        flush_seconds = seconds_since(begin);
    }
    screen.paint_pattern(62);
    screen.sync();
    expect_frame(cp, screen.expected(0, 0, 160, 120), 160, 120, 4, "after the flush");
    {
        Stopped stopped(screen);
        g_usleep(300000);
        const gint64 begin = g_get_monotonic_time();
        cp.stop();
        stop_seconds = seconds_since(begin);
    }
    fail_unless(flush_seconds < 1, "the flush took %.1f s", flush_seconds);
    fail_unless(stop_seconds < 1, "stopping took %.1f s", stop_seconds);
}
GST_END_TEST;

// A damage collect given up on took the changed rows from the server: the
// session must not then take the screen for unchanged.
GST_START_TEST(interrupted_damage_collect_loses_no_change) {
    PaintedScreen screen({160, 120, 24}, 7);
    xshm::SessionOptions o;
    o.grabber.source.display_name = screen.display();
    o.grabber.show_pointer = false;
    xshm::CaptureSession session(o, [] { return xshm::Nanos(0); });
    xshm::Step first = session.next(session.schedule(0));
    fail_unless(first.outcome == xshm::Outcome::Frame);
    first = xshm::Step(); // its slot back in the pool
    screen.fill_rect(20, 30, 50, 40, 0x336699);
    screen.sync();
    g_usleep(200000); // DamageNotify is in
    xshm::Outcome outcome;
    double seconds;
    {
        Stopped stopped(screen);
        std::thread flusher([&] {
            g_usleep(200000);
            session.interrupt();
        });
        const gint64 begin = g_get_monotonic_time();
        outcome = session.next(session.schedule(0)).outcome;
        seconds = seconds_since(begin);
        flusher.join();
    }
    session.resume();
    fail_unless(outcome == xshm::Outcome::Interrupted, "outcome %d", int(outcome));
    fail_unless(seconds < 1, "the interrupt took %.1f s", seconds);
    const xshm::Step after = session.next(session.schedule(0));
    fail_unless(
        after.outcome == xshm::Outcome::Frame && after.frame.kind == xshm::FrameKind::Captured,
        "the change was lost: outcome %d, kind %d", int(after.outcome), int(after.frame.kind));
    const std::string diff = frame_differs(*after.frame.memory, screen, session.format().stride);
    fail_unless(diff.empty(), "%s", diff.c_str());
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(recorder_gives_up_on_a_stopped_server)                                               \
    XSHM_CASE(ctrl_c_while_starting_ends_at_once)                                                  \
    XSHM_CASE(recorder_gives_up_on_a_silent_socket)                                                \
    XSHM_CASE(xshmsrc_start_fails_on_a_stopped_server)                                             \
    XSHM_CASE(recorder_keeps_the_file_when_the_server_freezes)                                     \
    XSHM_CASE(ctrl_c_ends_a_recording_on_a_frozen_server)                                          \
    XSHM_CASE(flush_and_stop_on_a_frozen_server_are_prompt)                                        \
    XSHM_CASE(interrupted_damage_collect_loses_no_change)

XSHM_SUITE(unresponsive, 90)
