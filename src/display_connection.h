// SPDX-License-Identifier: LGPL-2.1-or-later
// One X display connection, shared by the grabber and every slot that is still
// out: it stays alive as long as any of them, and close() makes later detaches
// no-ops instead of requests on a dead socket.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include <xcb/shm.h>
#include <xcb/xcb.h>

#include "xcb_handles.h"

namespace xshm {

struct ShmSupport {
    bool present = false;
    uint16_t major = 0;
    uint16_t minor = 0;
    // Server speaks MIT-SHM 1.2 and the socket can carry file descriptors.
    bool fd_passing = false;
};

class DisplayConnection {
public:
    // Opens `display_name`, or $DISPLAY when it is empty. Throws xshm::Error
    // naming the display when that fails.
    static std::shared_ptr<DisplayConnection> open(const std::string &display_name);

    ~DisplayConnection();
    DisplayConnection(const DisplayConnection &) = delete;
    DisplayConnection &operator=(const DisplayConnection &) = delete;

    // Valid until close(). Capture requests use it without the lock: close()
    // is only called once capturing has stopped.
    xcb_connection_t *xcb() const { return conn_; }

    void close();

    // Throws ConnectionLost when the socket broke (server gone).
    void check_alive() const;
    bool has_error() const;

    const std::string &name() const { return name_; }
    const xcb_setup_t *setup() const { return setup_; }
    const xcb_screen_t *screen() const { return screen_; }
    int screen_number() const { return screen_number_; }
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

    // The reply to `cookie`, or a throw: ConnectionLost when the server went
    // away, else Error("<what> failed (X error N)").
    template <typename ReplyFn, typename Cookie>
    auto reply(ReplyFn reply_fn, Cookie cookie, const std::string &what) const {
        xcb_generic_error_t *raw = nullptr;
        using Reply = std::remove_pointer_t<decltype(reply_fn(conn_, cookie, &raw))>;
        XcbReply<Reply> result(reply_fn(conn_, cookie, &raw));
        XcbError error(raw);
        if (!result)
            fail(what, error.get());
        return result;
    }
    [[noreturn]] void fail(const std::string &what, const xcb_generic_error_t *error) const;

    // An event's type, without the bit that says SendEvent made it.
    static uint8_t event_type(const xcb_generic_event_t *event) {
        return event->response_type & 0x7f;
    }

private:
    DisplayConnection() = default;
    void probe_extensions();
    void probe_shm(xcb_shm_query_version_cookie_t cookie);

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
