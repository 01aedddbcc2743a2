// SPDX-License-Identifier: LGPL-2.1-or-later
// A C program built with AddressSanitizer, as an application may be, makes
// an xshmsrc. Its __cxa_throw interceptor was set up before the plugin
// brought libstdc++ in, so any exception thrown while loading the plugin
// aborts the program ("CHECK failed: real___cxa_throw"): none may be.
#include <gst/gst.h>

int main(int argc, char **argv) {
    gst_init(&argc, &argv);
    GstElement *source = gst_element_factory_make("xshmsrc", NULL);
    if (source == NULL) {
        g_printerr("no xshmsrc (GST_PLUGIN_PATH: %s)\n", g_getenv("GST_PLUGIN_PATH"));
        return 1;
    }
    gst_object_unref(source);
    return 0;
}
