// SPDX-License-Identifier: LGPL-2.1-or-later
#include "slot_memory.h"

#include <cerrno>
#include <cstring>
#include <new>
#include <sys/mman.h>

namespace xshm {

std::unique_ptr<ProcessMemory> ProcessMemory::try_create(std::size_t size,
                                                         std::string *error) noexcept {
    void *map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        *error = std::string("allocating a frame failed: ") + std::strerror(errno);
        return nullptr;
    }
    std::unique_ptr<ProcessMemory> memory(new (std::nothrow)
                                              ProcessMemory(static_cast<uint8_t *>(map), size));
    if (!memory) {
        munmap(map, size);
        *error = "allocating a frame failed: out of memory";
    }
    return memory;
}

ProcessMemory::~ProcessMemory() { munmap(data_, size_); }

} // namespace xshm
