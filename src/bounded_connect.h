// SPDX-License-Identifier: LGPL-2.1-or-later
// xcb_connect with a time limit. XCB has none: it reads the server's setup
// reply until it comes, forever from a server that is stopped or from a socket
// that accepts and never answers.
#pragma once

#include <chrono>
#include <string>

#include <xcb/xcb.h>

namespace xshm {

struct Connected {
    xcb_connection_t *conn = nullptr; // null when `timeout` passed first
    int screen = 0;
    int cause = 0; // errno after a failed connect (EMFILE: no descriptor left)
};

// Connects to `name` on a thread of its own and waits for it at most
// `timeout`. A connect given up on is not cancelled (XCB cannot be): its
// thread disconnects whatever it gets, whenever that is. Throws
// std::system_error when no thread can be started.
Connected connect_within(const std::string &name, std::chrono::milliseconds timeout);

} // namespace xshm
