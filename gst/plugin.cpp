#include <gst/gst.h>

#include "gstxshmsrc.h"

static gboolean plugin_init(GstPlugin *plugin) { return GST_ELEMENT_REGISTER(xshmsrc, plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, xshm,
                  "Zero-copy X11 screen capture over XCB and MIT-SHM", plugin_init, PACKAGE_VERSION,
                  "LGPL", "xshm", "Unknown package origin")
