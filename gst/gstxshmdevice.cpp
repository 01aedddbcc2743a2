// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmdevice.h"

#include "gstxshmsrc.h"

struct GstXShmDevicePrivate {
    std::string display;
    std::string monitor;
    std::string shape;
};

struct _GstXShmDevice {
    GstDevice parent;
    GstXShmDevicePrivate *priv;
};

#define gst_xshm_device_parent_class parent_class
G_DEFINE_TYPE(GstXShmDevice, gst_xshm_device, GST_TYPE_DEVICE)

static GstElement *gst_xshm_device_create_element(GstDevice *device, const gchar *name) {
    auto *priv = GST_XSHM_DEVICE(device)->priv;
    GstElement *src = gst_element_factory_make("xshmsrc", name);
    if (src != nullptr)
        g_object_set(src, "display-name", priv->display.c_str(), "monitor", priv->monitor.c_str(),
                     nullptr);
    return src;
}

static gboolean gst_xshm_device_reconfigure_element(GstDevice *device, GstElement *element) {
    auto *priv = GST_XSHM_DEVICE(device)->priv;
    g_object_set(element, "display-name", priv->display.c_str(), "monitor", priv->monitor.c_str(),
                 nullptr);
    return TRUE;
}

static void gst_xshm_device_finalize(GObject *object) {
    delete GST_XSHM_DEVICE(object)->priv;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_xshm_device_class_init(GstXShmDeviceClass *klass) {
    G_OBJECT_CLASS(klass)->finalize = gst_xshm_device_finalize;
    GST_DEVICE_CLASS(klass)->create_element = gst_xshm_device_create_element;
    GST_DEVICE_CLASS(klass)->reconfigure_element = gst_xshm_device_reconfigure_element;
}

static void gst_xshm_device_init(GstXShmDevice *self) { self->priv = new GstXShmDevicePrivate(); }

GstDevice *gst_xshm_device_new(const std::string &display, const xshm::Monitor &monitor,
                               unsigned index, const std::string &format) {
    GstCaps *caps = gst_xshm_src_frame_caps(format.c_str(), monitor.width, monitor.height);
    std::string outputs;
    for (const std::string &output : monitor.outputs)
        outputs += (outputs.empty() ? "" : ",") + output;
    GstStructure *props = gst_structure_new(
        "xshm-monitor-properties", "device.api", G_TYPE_STRING, "xshm", "xshm.display",
        G_TYPE_STRING, display.c_str(), "xshm.monitor.name", G_TYPE_STRING, monitor.name.c_str(),
        "xshm.monitor.index", G_TYPE_UINT, index, "xshm.monitor.primary", G_TYPE_BOOLEAN,
        gboolean(monitor.primary), "xshm.monitor.outputs", G_TYPE_STRING, outputs.c_str(),
        "xshm.monitor.x", G_TYPE_INT, monitor.x, "xshm.monitor.y", G_TYPE_INT, monitor.y,
        "xshm.monitor.width", G_TYPE_UINT, monitor.width, "xshm.monitor.height", G_TYPE_UINT,
        monitor.height, nullptr);
    const std::string name = "Monitor " + monitor.describe() + " on X display " + display;
    auto *device = GST_XSHM_DEVICE(g_object_new(GST_TYPE_XSHM_DEVICE, "display-name", name.c_str(),
                                                "caps", caps, "device-class", "Source/Monitor",
                                                "properties", props, nullptr));
    // A name is what users type; two monitors may share none, so fall back to the index.
    device->priv->display = display;
    device->priv->monitor = monitor.name.empty() ? std::to_string(index) : monitor.name;
    device->priv->shape = monitor.describe() + " " + outputs;
    gst_caps_unref(caps);
    gst_structure_free(props);
    return GST_DEVICE(device);
}

std::string gst_xshm_device_identity(GstXShmDevice *device) {
    return device->priv->display + " " + device->priv->monitor;
}
const std::string &gst_xshm_device_shape(GstXShmDevice *device) { return device->priv->shape; }
