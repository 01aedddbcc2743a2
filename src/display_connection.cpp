// SPDX-License-Identifier: LGPL-2.1-or-later
#include "display_connection.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>

#include <xcb/composite.h>
#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/shm.h>
#include <xcb/xfixes.h>

#include "error.h"
#include "xcb_handles.h"

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
    errno = 0;
    self->conn_ = xcb_connect(name.c_str(), &self->screen_number_);
    if (int code = xcb_connection_has_error(self->conn_)) {
        const int cause = errno;
        xcb_disconnect(self->conn_);
        self->conn_ = nullptr;
        if (code == XCB_CONN_ERROR && (cause == EMFILE || cause == ENFILE))
            throw Error("cannot open X display '" + name +
                        "': no file descriptor left for the "
                        "connection (" +
                        std::strerror(cause) + ")");
        throw Error("cannot open X display '" + name + "': " + describe_connection_error(code));
    }

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

// All version queries go out before any reply is read: one round trip.
void DisplayConnection::probe_extensions() {
    for (xcb_extension_t *ext :
         {&xcb_shm_id, &xcb_xfixes_id, &xcb_randr_id, &xcb_damage_id, &xcb_composite_id})
        xcb_prefetch_extension_data(conn_, ext);
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
        XcbReply<xcb_xfixes_query_version_reply_t> v(
            xcb_xfixes_query_version_reply(conn_, xfixes_cookie, nullptr));
        xfixes2_ = v && v->major_version >= 2;
    }
    if (randr) {
        XcbReply<xcb_randr_query_version_reply_t> v(
            xcb_randr_query_version_reply(conn_, randr_cookie, nullptr));
        randr15_ = v && at_least(v->major_version, v->minor_version, 1, 5);
    }
    if (damage) {
        XcbReply<xcb_damage_query_version_reply_t> v(
            xcb_damage_query_version_reply(conn_, damage_cookie, nullptr));
        damage11_ = v && at_least(v->major_version, v->minor_version, 1, 1);
    }
    if (composite) {
        XcbReply<xcb_composite_query_version_reply_t> v(
            xcb_composite_query_version_reply(conn_, composite_cookie, nullptr));
        composite_ = v && at_least(v->major_version, v->minor_version, 0, 2);
    }
    if (shm)
        probe_shm(shm_cookie);
}

void DisplayConnection::probe_shm(xcb_shm_query_version_cookie_t cookie) {
    XcbReply<xcb_shm_query_version_reply_t> version(
        xcb_shm_query_version_reply(conn_, cookie, nullptr));
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

DisplayConnection::~DisplayConnection() { close(); }

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
    if (has_error())
        throw ConnectionLost("lost the connection to X display '" + name_ + "'");
}

} // namespace xshm
