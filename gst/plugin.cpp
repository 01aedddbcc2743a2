// SPDX-License-Identifier: LGPL-2.1-or-later
#include <unwind.h>

#include <gst/gst.h>

#include "plugin_config.h"

#include "gstxshmdeviceprovider.h"
#include "gstxshmsrc.h"

// GStreamer on Debian links libunwind, whose _Unwind_RaiseException takes
// precedence over libgcc's in a C program (gst-launch-1.0). It opens a pipe
// the first time it unwinds and keeps it; a first exception thrown while
// descriptors are exhausted (an X connection that cannot be opened) would
// find none and abort the process. Walking the stack once here, while
// descriptors are free, opens it: the walk binds to the same unwinder as a
// throw. A throw here would abort a C program built with AddressSanitizer
// (its __cxa_throw interceptor starts before libstdc++ is loaded).
static void prepare_unwinder() {
    _Unwind_Backtrace([](_Unwind_Context *, void *) { return _URC_NO_REASON; }, nullptr);
}

static gboolean plugin_init(GstPlugin *plugin) {
    prepare_unwinder();
    gboolean ok = GST_ELEMENT_REGISTER(xshmsrc, plugin);
    ok &= GST_DEVICE_PROVIDER_REGISTER(xshmdeviceprovider, plugin);
    return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, xshm,
                  "Zero-copy X11 screen capture over XCB and MIT-SHM", plugin_init, PACKAGE_VERSION,
                  "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
