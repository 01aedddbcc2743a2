// SPDX-License-Identifier: LGPL-2.1-or-later
#include "display_connection.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

#include <xcb/composite.h>
#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/shm.h>
#include <xcb/xcbext.h> // xcb_poll_for_reply
#include <xcb/xfixes.h>

#include "bounded_connect.h"
#include "error.h"

namespace xshm {
namespace {

const char *describe_connection_error(int code) {
    switch (code) {
    case XCB_CONN_ERROR: return "no X server answers there (socket or connection error)";
    case XCB_CONN_CLOSED_EXT_NOTSUPPORTED: return "an extension is not supported";
    case XCB_CONN_CLOSED_MEM_INSUFFICIENT: return "out of memory";
    case XCB_CONN_CLOSED_REQ_LEN_EXCEED: return "request length exceeded";
    case XCB_CONN_CLOSED_PARSE_ERR: return "the display name cannot be parsed";
    case XCB_CONN_CLOSED_INVALID_SCREEN: return "the display has no such screen";
    default: return "the server refused the connection (authorization?)";
    }
}

bool socket_is_local(xcb_connection_t *conn) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (getsockname(xcb_get_file_descriptor(conn), reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return false;
    return addr.ss_family == AF_UNIX;
}

Error no_descriptor_left(const std::string &name, int cause) {
    return Error("cannot open X display '" + name +
                 "': no file descriptor left for the connection (" + std::strerror(cause) + ")");
}

std::string seconds_text(std::chrono::seconds time) { return std::to_string(time.count()) + " s"; }

} // namespace

std::shared_ptr<DisplayConnection> DisplayConnection::open(const std::string &display_name) {
    std::string name = display_name;
    if (name.empty()) {
        const char *env = std::getenv("DISPLAY");
        if (env == nullptr || *env == '\0')
            throw Error("no X display to open: display-name is empty and $DISPLAY is not set");
        name = env;
    }

    std::shared_ptr<DisplayConnection> self(new DisplayConnection());
    self->name_ = name;
    self->connect();
    self->setup_ = xcb_get_setup(self->conn_);
    xcb_screen_iterator_t it = xcb_setup_roots_iterator(self->setup_);
    for (int i = 0; it.rem > 0 && i < self->screen_number_; ++i)
        xcb_screen_next(&it);
    if (it.rem == 0)
        throw Error("X display '" + name + "' has no screen " +
                    std::to_string(self->screen_number_));
    self->screen_ = it.data;

    self->probe_extensions();
    return self;
}

void DisplayConnection::connect() {
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0)
        throw no_descriptor_left(name_, errno);
    Connected connected;
    try {
        connected = connect_within(name_, kServerTimeout);
    } catch (const std::system_error &e) {
        throw Error("cannot open X display '" + name_ + "': " + e.what());
    }
    if (connected.conn == nullptr)
        throw Error("cannot open X display '" + name_ + "': the X server did not answer within " +
                    seconds_text(kServerTimeout) + " (stopped or hung?)");
    conn_ = connected.conn;
    screen_number_ = connected.screen;
    if (int code = xcb_connection_has_error(conn_)) {
        xcb_disconnect(conn_);
        conn_ = nullptr;
        const int cause = connected.cause;
        if (code == XCB_CONN_ERROR && (cause == EMFILE || cause == ENFILE))
            throw no_descriptor_left(name_, cause);
        throw Error("cannot open X display '" + name_ + "': " + describe_connection_error(code));
    }
}

// All version queries go out before any reply is read: one round trip. The
// extension queries are answered once a reply sent behind them is (XCB reads
// all that came before it), so looking at them afterwards does not wait.
void DisplayConnection::probe_extensions() {
    for (xcb_extension_t *ext :
         {&xcb_shm_id, &xcb_xfixes_id, &xcb_randr_id, &xcb_damage_id, &xcb_composite_id})
        xcb_prefetch_extension_data(conn_, ext);
    reply(xcb_get_input_focus_reply, xcb_get_input_focus(conn_), "QueryExtension");
    auto present = [this](xcb_extension_t *ext) {
        const xcb_query_extension_reply_t *reply = xcb_get_extension_data(conn_, ext);
        return reply != nullptr && reply->present;
    };
    const bool shm = present(&xcb_shm_id), xfixes = present(&xcb_xfixes_id),
               randr = present(&xcb_randr_id), damage = present(&xcb_damage_id),
               composite = present(&xcb_composite_id);
    xcb_shm_query_version_cookie_t shm_cookie{};
    xcb_xfixes_query_version_cookie_t xfixes_cookie{};
    xcb_randr_query_version_cookie_t randr_cookie{};
    xcb_damage_query_version_cookie_t damage_cookie{};
    xcb_composite_query_version_cookie_t composite_cookie{};
    if (shm)
        shm_cookie = xcb_shm_query_version(conn_);
    if (xfixes)
        xfixes_cookie = xcb_xfixes_query_version(conn_, 2, 0);
    if (randr)
        randr_cookie = xcb_randr_query_version(conn_, 1, 5);
    if (damage)
        damage_cookie = xcb_damage_query_version(conn_, 1, 1);
    if (composite)
        composite_cookie = xcb_composite_query_version(conn_, 0, 4);
    auto at_least = [](unsigned major, unsigned minor, unsigned want_major, unsigned want_minor) {
        return major > want_major || (major == want_major && minor >= want_minor);
    };
    if (xfixes) {
        auto v = reply_or_null(xcb_xfixes_query_version_reply, xfixes_cookie, "XFIXES version");
        xfixes2_ = v && v->major_version >= 2;
    }
    if (randr) {
        auto v = reply_or_null(xcb_randr_query_version_reply, randr_cookie, "RandR version");
        randr15_ = v && at_least(v->major_version, v->minor_version, 1, 5);
    }
    if (damage) {
        auto v = reply_or_null(xcb_damage_query_version_reply, damage_cookie, "DAMAGE version");
        damage11_ = v && at_least(v->major_version, v->minor_version, 1, 1);
    }
    if (composite) {
        auto v =
            reply_or_null(xcb_composite_query_version_reply, composite_cookie, "Composite version");
        composite_ = v && at_least(v->major_version, v->minor_version, 0, 2);
    }
    if (shm)
        probe_shm(shm_cookie);
}

void DisplayConnection::probe_shm(xcb_shm_query_version_cookie_t cookie) {
    auto version = reply_or_null(xcb_shm_query_version_reply, cookie, "MIT-SHM version");
    if (!version)
        return;
    shm_.present = true;
    shm_.major = version->major_version;
    shm_.minor = version->minor_version;
    const bool server_takes_fds = shm_.major > 1 || (shm_.major == 1 && shm_.minor >= 2);
    // Sending an fd over TCP would break the whole connection, so only try on a unix socket.
    shm_.fd_passing = server_takes_fds && socket_is_local(conn_);
}

uint8_t DisplayConnection::first_event(xcb_extension_t *extension) const {
    const xcb_query_extension_reply_t *reply = xcb_get_extension_data(conn_, extension);
    return reply != nullptr && reply->present ? reply->first_event : 0;
}

void DisplayConnection::fail(const std::string &what, const xcb_generic_error_t *error) const {
    check_alive();
    throw Error(what + " on X display '" + name_ + "' failed (X error " +
                std::to_string(error ? error->error_code : 0) + ")");
}

// XCB's own waits have no time limit: the reply is taken as soon as XCB has
// read it (xcb_poll_for_reply reads the socket without blocking), and between
// looks the socket and the wake-up descriptor are polled until the deadline.
DisplayConnection::Wait DisplayConnection::wait_for(unsigned sequence, void **reply,
                                                    xcb_generic_error_t **error) noexcept {
    if (gave_up_) { // no second wait of kServerTimeout
        xcb_discard_reply(conn_, sequence);
        return Wait::TimedOut;
    }
    xcb_flush(conn_);
    const auto deadline = std::chrono::steady_clock::now() + kServerTimeout;
    for (;;) {
        if (xcb_poll_for_reply(conn_, sequence, reply, error))
            return *reply != nullptr || *error != nullptr ? Wait::Answered : Wait::Broken;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd fds[] = {{xcb_get_file_descriptor(conn_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        const int ready = left.count() > 0 ? poll(fds, 2, int(left.count())) : 0;
        const bool timed_out = ready == 0, woken = ready > 0 && fds[1].revents != 0;
        if (timed_out || woken) {
            xcb_discard_reply(conn_, sequence); // freed when it comes
            gave_up_ = gave_up_ || timed_out;
            return timed_out ? Wait::TimedOut : Wait::Interrupted;
        }
    }
}

// XCB learns that a request without a reply went through only from a later
// reply: one is asked for, and once it is read, so is any error before it.
DisplayConnection::Wait DisplayConnection::wait_handled(xcb_void_cookie_t cookie,
                                                        XcbError *error) noexcept {
    void *reply = nullptr;
    xcb_generic_error_t *raw = nullptr;
    const Wait wait = wait_for(xcb_get_input_focus(conn_).sequence, &reply, &raw);
    std::free(reply);
    std::free(raw);
    if (wait != Wait::Answered) {
        xcb_discard_reply(conn_, cookie.sequence);
        return wait;
    }
    error->reset(xcb_request_check(conn_, cookie)); // already answered: no wait
    return Wait::Answered;
}

XcbError DisplayConnection::checked(xcb_void_cookie_t cookie, const std::string &what) {
    XcbError error;
    const Wait wait = wait_handled(cookie, &error);
    if (wait != Wait::Answered)
        give_up(wait, what);
    return error;
}

std::string DisplayConnection::no_answer(Wait wait, const std::string &what) const {
    const std::string about = what.empty() ? "" : " (" + what + ")";
    switch (wait) {
    case Wait::Answered: return "";
    case Wait::Broken: return "lost the connection to X display '" + name_ + "'";
    case Wait::TimedOut:
        return "X display '" + name_ + "' did not answer for " + seconds_text(kServerTimeout) +
               about;
    case Wait::Interrupted: return "stopped waiting for X display '" + name_ + "'" + about;
    }
    return "";
}

void DisplayConnection::give_up(Wait wait, const std::string &what) const {
    if (wait == Wait::Interrupted)
        throw WaitInterrupted(no_answer(wait, what));
    if (wait == Wait::TimedOut)
        throw ServerUnresponsive(no_answer(wait, what));
    throw ConnectionLost(no_answer(wait, what));
}

void DisplayConnection::interrupt() {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
}

void DisplayConnection::resume() {
    uint64_t count;
    (void)!read(wake_fd_, &count, sizeof count); // nonblocking: EAGAIN when not interrupted
}

DisplayConnection::~DisplayConnection() {
    close();
    if (wake_fd_ >= 0)
        ::close(wake_fd_);
}

void DisplayConnection::close() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (conn_ != nullptr) {
        xcb_disconnect(conn_);
        conn_ = nullptr;
        setup_ = nullptr;
        screen_ = nullptr;
    }
}

bool DisplayConnection::has_error() const {
    return conn_ == nullptr || xcb_connection_has_error(conn_) != 0;
}

void DisplayConnection::check_alive() const {
    if (gave_up_)
        throw ServerUnresponsive(no_answer(Wait::TimedOut, ""));
    if (has_error())
        throw ConnectionLost(no_answer(Wait::Broken, ""));
}

} // namespace xshm
