// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bounded_connect.h"

#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace xshm {
namespace {

// Shared by the waiter and the connecting thread, which may outlive it.
struct Attempt {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;      // under mutex: `result` is set
    bool abandoned = false; // under mutex: nobody will take `result`
    Connected result;
};

// xcb_connect reads the X authority file through libXau, whose file name
// lives in a static buffer: connects are made one at a time (ThreadSanitizer
// saw two sources starting at once race there). A connect that hangs holds
// the others up to their own time limit.
std::mutex connecting;

void run(const std::shared_ptr<Attempt> &attempt, const std::string &name) {
    Connected result;
    {
        std::lock_guard<std::mutex> one_at_a_time(connecting);
        errno = 0;
        result.conn = xcb_connect(name.c_str(), &result.screen);
        result.cause = errno;
    }
    std::lock_guard<std::mutex> lock(attempt->mutex);
    if (attempt->abandoned) {
        xcb_disconnect(result.conn);
        return;
    }
    attempt->result = result;
    attempt->done = true;
    attempt->finished.notify_one();
}

} // namespace

Connected connect_within(const std::string &name, std::chrono::milliseconds timeout) {
    auto attempt = std::make_shared<Attempt>();
    std::thread(run, attempt, name).detach();
    std::unique_lock<std::mutex> lock(attempt->mutex);
    if (!attempt->finished.wait_for(lock, timeout, [&] { return attempt->done; })) {
        attempt->abandoned = true;
        return {};
    }
    return attempt->result;
}

} // namespace xshm
