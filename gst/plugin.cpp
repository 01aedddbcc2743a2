#include <gst/gst.h>

#include "gstxshmdeviceprovider.h"
#include "gstxshmsrc.h"

static gboolean plugin_init(GstPlugin *plugin) {
    gboolean ok = GST_ELEMENT_REGISTER(xshmsrc, plugin);
    ok &= GST_DEVICE_PROVIDER_REGISTER(xshmdeviceprovider, plugin);
    return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, xshm,
                  "Zero-copy X11 screen capture over XCB and MIT-SHM", plugin_init, PACKAGE_VERSION,
                  "LGPL", "xshm", "Unknown package origin")
