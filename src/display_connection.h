// One X display connection, shared by the grabber and every slot that is still
// out: it stays alive as long as any of them, and close() makes later detaches
// no-ops instead of requests on a dead socket.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <xcb/xcb.h>

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

    // Guards close() against a slot detaching from another thread.
    std::mutex &mutex() const { return mutex_; }
    bool is_open_locked() const { return conn_ != nullptr; }

    void close();

    // Throws ConnectionLost when the socket broke (server gone).
    void check_alive() const;
    bool has_error() const;

    const std::string &name() const { return name_; }
    const xcb_setup_t *setup() const { return setup_; }
    const xcb_screen_t *screen() const { return screen_; }
    int screen_number() const { return screen_number_; }
    const ShmSupport &shm() const { return shm_; }
    // Negotiated once here for everyone on this connection: XFIXES 2 (regions,
    // cursor images) and RandR 1.5 (monitors, layout events).
    bool has_xfixes2() const { return xfixes2_; }
    bool has_randr15() const { return randr15_; }

private:
    DisplayConnection() = default;
    void probe_extensions();

    mutable std::mutex mutex_;
    xcb_connection_t *conn_ = nullptr;
    const xcb_setup_t *setup_ = nullptr;
    const xcb_screen_t *screen_ = nullptr;
    int screen_number_ = 0;
    std::string name_;
    ShmSupport shm_;
    bool xfixes2_ = false;
    bool randr15_ = false;
};

} // namespace xshm
