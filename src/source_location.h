// SPDX-License-Identifier: LGPL-2.1-or-later
// Where in the source something was decided, as C++20's std::source_location
// says it: current() as a default argument is the caller's place (the GCC and
// Clang builtins std::source_location is made of, in C++17).
#pragma once

namespace xshm {

struct SourceLocation {
    const char *file = "";
    const char *function = "";
    int line = 0;

    static constexpr SourceLocation current(const char *file = __builtin_FILE(),
                                            const char *function = __builtin_FUNCTION(),
                                            int line = __builtin_LINE()) {
        return {file, function, line};
    }
};

} // namespace xshm
