// SPDX-License-Identifier: LGPL-2.1-or-later
// One X display connection, shared by the grabber and every slot that is still
// out: it stays alive as long as any of them, and close() makes later detaches
// no-ops instead of requests on a dead socket. Every wait on the server is
// bounded (kServerTimeout) and can be woken from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include <xcb/shm.h>
#include <xcb/xcb.h>

#include "xcb_handles.h"

namespace xshm {

// XCB waits for the server without a time limit: a stopped or hung server
// would hold capture, and whoever stops it, forever. Connecting and each
// answer are waited for this long at most.
constexpr std::chrono::seconds kServerTimeout{10};

struct ShmSupport {
    bool present = false;
    uint16_t major = 0;
    uint16_t minor = 0;
    // Server speaks MIT-SHM 1.2 and the socket can carry file descriptors.
    bool fd_passing = false;
};

class DisplayConnection {
public:
    // Opens `display_name`, or $DISPLAY when it is empty, waiting at most
    // kServerTimeout. Throws xshm::Error naming the display when that fails.
    static std::shared_ptr<DisplayConnection> open(const std::string &display_name);

    ~DisplayConnection();
    DisplayConnection(const DisplayConnection &) = delete;
    DisplayConnection &operator=(const DisplayConnection &) = delete;

    // Valid until close(). Capture requests use it without the lock: close()
    // is only called once capturing has stopped.
    xcb_connection_t *xcb() const { return conn_; }

    void close();

    // Throws ConnectionLost when the socket broke (server gone), or
    // ServerUnresponsive once a wait ran out of time.
    void check_alive() const;
    bool has_error() const;

    const std::string &name() const { return name_; }
    const xcb_setup_t *setup() const { return setup_; }
    const xcb_screen_t *screen() const { return screen_; }
    const ShmSupport &shm() const { return shm_; }
    // Negotiated once here for everyone on this connection, in one round
    // trip: XFIXES 2 (regions, cursor images), RandR 1.5 (monitors, layout
    // events), DAMAGE 1.1 (what changed) and Composite 0.4 (window pixmaps).
    bool has_xfixes2() const { return xfixes2_; }
    bool has_randr15() const { return randr15_; }
    bool has_damage11() const { return damage11_; }
    bool has_composite() const { return composite_; }
    // The first event number of an extension (0 when absent).
    uint8_t first_event(xcb_extension_t *extension) const;

    // Sends what `send` puts on the connection and flushes it, unless the
    // connection is closed or broken (a detach, free or destroy must then be
    // skipped). Safe from any thread.
    template <typename Send>
    void send_if_open(Send send) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (conn_ == nullptr || xcb_connection_has_error(conn_))
            return;
        send(conn_);
        xcb_flush(conn_);
    }

    // --- waits on the server: the thread that sends the requests ---
    // How a wait ended.
    enum class Wait { Answered, Broken, TimedOut, Interrupted };
    // The server's answer to `cookie` (`reply_fn` names the reply's type): the
    // reply, or the X error. Throws ConnectionLost when the server went away,
    // ServerUnresponsive when it did not answer within kServerTimeout,
    // WaitInterrupted after interrupt(); `what` names the request.
    template <typename ReplyFn, typename Cookie>
    auto answer(ReplyFn, Cookie cookie, const std::string &what) {
        using Reply = std::remove_pointer_t<
            std::invoke_result_t<ReplyFn, xcb_connection_t *, Cookie, xcb_generic_error_t **>>;
        void *reply = nullptr;
        xcb_generic_error_t *error = nullptr;
        const Wait wait = wait_for(cookie.sequence, &reply, &error);
        std::pair<XcbReply<Reply>, XcbError> got(static_cast<Reply *>(reply), error);
        if (wait != Wait::Answered)
            give_up(wait, what);
        return got;
    }
    // The reply, or a throw as answer() does, and Error("<what> ... failed
    // (X error N)") for an X error.
    template <typename ReplyFn, typename Cookie>
    auto reply(ReplyFn reply_fn, Cookie cookie, const std::string &what) {
        auto got = answer(reply_fn, cookie, what);
        if (!got.first)
            fail(what, got.second.get());
        return std::move(got.first);
    }
    // The reply, or null for an X error (a window gone meanwhile, a request
    // the server refuses); throws as answer() does.
    template <typename ReplyFn, typename Cookie>
    auto reply_or_null(ReplyFn reply_fn, Cookie cookie, const std::string &what) {
        return std::move(answer(reply_fn, cookie, what).first);
    }
    [[noreturn]] void fail(const std::string &what, const xcb_generic_error_t *error) const;

    // Waits until the server handled `cookie`, a request without a reply, and
    // sets `error` to its X error (null when it went through). Never throws.
    Wait wait_handled(xcb_void_cookie_t cookie, XcbError *error) noexcept;
    // The same, throwing as reply() does when no answer came.
    XcbError checked(xcb_void_cookie_t cookie, const std::string &what);
    // What a wait that got no answer says, naming the display and `what`.
    std::string no_answer(Wait wait, const std::string &what) const;

    // --- any thread ---
    // Wakes every wait above, now and until resume(): it gives up on its
    // request (the reply is discarded when it comes) and throws WaitInterrupted.
    void interrupt();
    void resume();

    // An event's type, without the bit that says SendEvent made it.
    static uint8_t event_type(const xcb_generic_event_t *event) {
        return event->response_type & 0x7f;
    }

private:
    DisplayConnection() = default;
    void connect();
    void probe_extensions();
    void probe_shm(xcb_shm_query_version_cookie_t cookie);
    Wait wait_for(unsigned sequence, void **reply, xcb_generic_error_t **error) noexcept;
    [[noreturn]] void give_up(Wait wait, const std::string &what) const;

    // Made by open(); then any thread's: readable while interrupted.
    int wake_fd_ = -1;
    // The waiting thread's (atomic for check_alive() anywhere): a wait ran
    // out of time, so later ones give up at once instead of each waiting again.
    std::atomic<bool> gave_up_{false};
    mutable std::mutex mutex_;
    xcb_connection_t *conn_ = nullptr;
    const xcb_setup_t *setup_ = nullptr;
    const xcb_screen_t *screen_ = nullptr;
    int screen_number_ = 0;
    std::string name_;
    ShmSupport shm_;
    bool xfixes2_ = false;
    bool randr15_ = false;
    bool damage11_ = false;
    bool composite_ = false;
};

} // namespace xshm
