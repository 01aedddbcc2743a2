// SPDX-License-Identifier: LGPL-2.1-or-later
// RAII owners for what XCB hands out with malloc (replies, errors).
#pragma once

#include <cstdlib>
#include <memory>

#include <xcb/xcb.h>

namespace xshm {

struct FreeDeleter {
    void operator()(void *p) const noexcept { std::free(p); }
};

template <typename T>
using XcbReply = std::unique_ptr<T, FreeDeleter>;

using XcbError = std::unique_ptr<xcb_generic_error_t, FreeDeleter>;

} // namespace xshm
