// SPDX-License-Identifier: LGPL-2.1-or-later
// Buffers and memories are made on the streaming thread and read or freed on
// others, handed over through GStreamer's own atomics, which ThreadSanitizer
// does not see (GStreamer is not instrumented). These say it where we hand
// over and take back, so that it sees the order that is there.
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void *address);
extern "C" void __tsan_release(void *address);
inline void handed_over(void *object) { __tsan_release(object); }
inline void taken_over(void *object) { __tsan_acquire(object); }
#else
inline void handed_over(void *) {}
inline void taken_over(void *) {}
#endif
