// SPDX-License-Identifier: LGPL-2.1-or-later
// Lists the monitors of $DISPLAY as Source/Monitor devices.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_XSHM_DEVICE_PROVIDER (gst_xshm_device_provider_get_type())
G_DECLARE_FINAL_TYPE(GstXShmDeviceProvider, gst_xshm_device_provider, GST, XSHM_DEVICE_PROVIDER,
                     GstDeviceProvider)

GST_DEVICE_PROVIDER_REGISTER_DECLARE(xshmdeviceprovider);

G_END_DECLS
