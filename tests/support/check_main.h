// SPDX-License-Identifier: LGPL-2.1-or-later
// Like GST_CHECK_MAIN, but a run that executed no test fails: a case name
// mistyped in meson.build (GST_CHECKS) must not pass silently.
#pragma once

#include <cstdio>
#include <string>
#include <unistd.h>

// fail_unless_equals_string() keeps the pointer it is given past a temporary's
// life (ASan: stack-use-after-scope); this holds the text while comparing.
#define fail_unless_text(actual, expected)                                                         \
    do {                                                                                           \
        const std::string text_ = (actual);                                                        \
        fail_unless(text_ == (expected), "'%s' is not '%s'", text_.c_str(), (expected));           \
    } while (0)

// A file's cases are listed once, in XSHM_CASES(XSHM_CASE); this suite and
// tests/meson.build (which reads the XSHM_CASE names) both use that list.
#define XSHM_ADD_CASE(test_case) tcase_add_test(cases_, test_case);
#define XSHM_SUITE(name, timeout_seconds)                                                          \
    static Suite *name##_suite() {                                                                 \
        Suite *suite_ = suite_create(#name);                                                       \
        TCase *cases_ = tcase_create("general");                                                   \
        tcase_set_timeout(cases_, timeout_seconds);                                                \
        suite_add_tcase(suite_, cases_);                                                           \
        XSHM_CASES(XSHM_ADD_CASE)                                                                  \
        return suite_;                                                                             \
    }                                                                                              \
    XSHM_CHECK_MAIN(name)

namespace xshm_test {
void set_sanitizer_preload_aside(); // support/child_process.h
}

#define XSHM_CHECK_MAIN(name)                                                                      \
    int main(int argc, char **argv) {                                                              \
        xshm_test::set_sanitizer_preload_aside();                                                  \
        gst_check_init(&argc, &argv);                                                              \
        SRunner *runner = srunner_create(name##_suite());                                          \
        srunner_run_all(runner, CK_NORMAL);                                                        \
        const int run = srunner_ntests_run(runner);                                                \
        const int failed = srunner_ntests_failed(runner);                                          \
        srunner_free(runner);                                                                      \
        if (run == 0) {                                                                            \
            std::fprintf(stderr, "no test ran (GST_CHECKS names an unknown case?)\n");             \
            return 1;                                                                              \
        }                                                                                          \
        if (failed != 0) {                                                                         \
            /* A failed assertion skipped the case's destructors (CK_FORK=no): */                  \
            /* gst_deinit at exit would wait for a pipeline left playing. */                       \
            std::fflush(nullptr);                                                                  \
            _exit(1);                                                                              \
        }                                                                                          \
        return 0;                                                                                  \
    }
