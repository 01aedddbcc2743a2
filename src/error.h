// SPDX-License-Identifier: LGPL-2.1-or-later
// The one exception type of the grabber core: its message is meant for users,
// where() is the place that made it (the element's error says it).
#pragma once

#include <stdexcept>
#include <string>

#include "source_location.h"

namespace xshm {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string &message, SourceLocation where = SourceLocation::current())
        : std::runtime_error(message), where_(where) {}
    const SourceLocation &where() const { return where_; }

private:
    SourceLocation where_;
};

// The X connection broke (server gone, socket closed): distinct so callers can
// tell "stop the stream" from "bad request".
class ConnectionLost : public Error {
public:
    explicit ConnectionLost(const std::string &message,
                            SourceLocation where = SourceLocation::current())
        : Error(message, where) {}
};

// The X server stopped answering (stopped, hung, or a socket that accepts and
// stays silent): for the stream it is as lost as a server that went away.
class ServerUnresponsive : public ConnectionLost {
public:
    explicit ServerUnresponsive(const std::string &message,
                                SourceLocation where = SourceLocation::current())
        : ConnectionLost(message, where) {}
};

// A wait on the server was woken from outside (DisplayConnection::interrupt()):
// nothing failed, the caller is being stopped or flushed.
class WaitInterrupted : public Error {
public:
    explicit WaitInterrupted(const std::string &message,
                             SourceLocation where = SourceLocation::current())
        : Error(message, where) {}
};

// The monitor asked for is not (or no longer) on the screen.
class MonitorNotFound : public Error {
public:
    explicit MonitorNotFound(const std::string &message,
                             SourceLocation where = SourceLocation::current())
        : Error(message, where) {}
};

// The window asked for does not (or no longer) exist or is not shown.
class WindowNotFound : public Error {
public:
    explicit WindowNotFound(const std::string &message,
                            SourceLocation where = SourceLocation::current())
        : Error(message, where) {}
};

} // namespace xshm
