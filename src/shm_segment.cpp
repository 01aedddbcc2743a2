// SPDX-License-Identifier: LGPL-2.1-or-later
#include "shm_segment.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>
#include <utility>

#include "display_connection.h"
#include "error.h"
#include "xcb_handles.h"

namespace xshm {
namespace {

std::string errno_text(const char *what) { return std::string(what) + ": " + std::strerror(errno); }

// Owns a file descriptor until it is handed to XCB (which closes it once sent).
class FdHandle {
public:
    explicit FdHandle(int fd) : fd_(fd) {}
    ~FdHandle() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    FdHandle(const FdHandle &) = delete;
    FdHandle &operator=(const FdHandle &) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

// "" when the server accepted the attach, else what went wrong. Not knowing
// (no answer) counts as attached: the detach is then sent, in case it was.
std::string attach_error(DisplayConnection &display, xcb_void_cookie_t cookie, const char *how,
                         bool *attached) {
    XcbError error;
    const DisplayConnection::Wait wait = display.wait_handled(cookie, &error);
    *attached = !error && wait != DisplayConnection::Wait::Broken;
    if (wait != DisplayConnection::Wait::Answered)
        return display.no_answer(wait, how);
    if (error)
        return std::string("the X server refused ") + how + " (X error " +
               std::to_string(error->error_code) + ")";
    return "";
}

} // namespace

std::unique_ptr<ShmSegment> ShmSegment::try_create(std::shared_ptr<DisplayConnection> display,
                                                   SegmentKind kind, std::size_t size,
                                                   std::string *error) noexcept {
    std::unique_ptr<ShmSegment> segment(new ShmSegment(std::move(display), kind, size));
    *error = kind == SegmentKind::Memfd ? segment->create_memfd() : segment->create_sysv();
    if (!error->empty())
        segment.reset();
    return segment;
}

std::unique_ptr<ShmSegment> ShmSegment::create(std::shared_ptr<DisplayConnection> display,
                                               SegmentKind kind, std::size_t size) {
    std::string error;
    auto segment = try_create(display, kind, size, &error);
    if (!segment) {
        if (display)
            display->check_alive();
        throw Error(error);
    }
    return segment;
}

std::string ShmSegment::create_memfd() {
    FdHandle fd(memfd_create("xshm-slot", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (fd.get() < 0)
        return errno_text("memfd_create failed");
    if (ftruncate(fd.get(), off_t(size_)) != 0)
        return errno_text("sizing the memfd slot failed");
    // Nobody may shrink it under our mapping (that would SIGBUS the reader).
    fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    void *map = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (map == MAP_FAILED)
        return errno_text("mapping the memfd slot failed");
    data_ = static_cast<uint8_t *>(map);

    xcb_connection_t *conn = display_->xcb();
    id_ = xcb_generate_id(conn);
    return attach_error(*display_, xcb_shm_attach_fd_checked(conn, id_, fd.release(), 0),
                        "MIT-SHM AttachFd", &attached_);
}

std::string ShmSegment::create_sysv() {
    // 0600: the pixels of the screen are nobody else's business.
    int shmid = shmget(IPC_PRIVATE, size_, IPC_CREAT | 0600);
    if (shmid < 0)
        return errno_text("shmget failed");
    void *map = shmat(shmid, nullptr, 0);
    if (map == reinterpret_cast<void *>(-1)) {
        std::string error = errno_text("shmat failed");
        shmctl(shmid, IPC_RMID, nullptr);
        return error;
    }
    data_ = static_cast<uint8_t *>(map);
    // Marked for removal now, while we hold it: a process killed before the
    // server attached leaks nothing, and Linux still lets the server attach it.
    shmctl(shmid, IPC_RMID, nullptr);

    xcb_connection_t *conn = display_->xcb();
    id_ = xcb_generate_id(conn);
    xcb_void_cookie_t cookie = xcb_shm_attach_checked(conn, id_, uint32_t(shmid), 0);
    return attach_error(*display_, cookie, "MIT-SHM Attach", &attached_);
}

ShmSegment::~ShmSegment() {
    if (attached_)
        display_->send_if_open([this](xcb_connection_t *conn) { xcb_shm_detach(conn, id_); });
    if (data_ != nullptr) {
        if (kind_ == SegmentKind::SysV)
            shmdt(data_);
        else
            munmap(data_, size_);
    }
}

} // namespace xshm
