// SPDX-License-Identifier: LGPL-2.1-or-later
// xshmsrc: a live source capturing an X screen (or a region of it) through
// MIT-SHM, zero-copy: the server writes each frame into pooled shared memory
// that downstream reads as the buffer's memory.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_XSHM_SRC (gst_xshm_src_get_type())
G_DECLARE_FINAL_TYPE(GstXShmSrc, gst_xshm_src, GST, XSHM_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(xshmsrc);

G_END_DECLS

// The caps xshmsrc offers for frames of `format` and size: what a device
// announces must be what the element it creates will negotiate.
GstCaps *gst_xshm_src_frame_caps(const gchar *format, guint width, guint height);
