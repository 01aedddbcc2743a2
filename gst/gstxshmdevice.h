// SPDX-License-Identifier: LGPL-2.1-or-later
// One monitor of an X display as a GStreamer device: creates an xshmsrc set
// to capture that monitor.
#pragma once

#include <string>

#include <gst/gst.h>

#include "monitor_lookup.h"

G_BEGIN_DECLS

#define GST_TYPE_XSHM_DEVICE (gst_xshm_device_get_type())
G_DECLARE_FINAL_TYPE(GstXShmDevice, gst_xshm_device, GST, XSHM_DEVICE, GstDevice)

G_END_DECLS

// `index` is the monitor's position in RandR's list; `format` the screen's
// GStreamer format name.
GstDevice *gst_xshm_device_new(const std::string &display, const xshm::Monitor &monitor,
                               unsigned index, const std::string &format);

// Which monitor it is (display and name: the same after a move) and how it
// looks (geometry, outputs, primary: a change is a changed device).
std::string gst_xshm_device_identity(GstXShmDevice *device);
const std::string &gst_xshm_device_shape(GstXShmDevice *device);
