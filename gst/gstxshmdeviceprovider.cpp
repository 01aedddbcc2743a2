#include "gstxshmdeviceprovider.h"

#include "display_connection.h"
#include "error.h"
#include "gstxshmdevice.h"
#include "monitor_lookup.h"
#include "pixel_format.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_device_provider_debug);
#define GST_CAT_DEFAULT gst_xshm_device_provider_debug

struct _GstXShmDeviceProvider {
    GstDeviceProvider parent;
};

G_DEFINE_TYPE(GstXShmDeviceProvider, gst_xshm_device_provider, GST_TYPE_DEVICE_PROVIDER)
GST_DEVICE_PROVIDER_REGISTER_DEFINE(xshmdeviceprovider, "xshmdeviceprovider", GST_RANK_PRIMARY,
                                    GST_TYPE_XSHM_DEVICE_PROVIDER)

static GList *gst_xshm_device_provider_probe(GstDeviceProvider *provider) {
    GList *devices = nullptr;
    try {
        auto display = xshm::DisplayConnection::open("");
        const std::string format =
            xshm::describe_pixel_format(display->setup(), display->screen()).gst_format;
        const auto monitors = xshm::list_monitors(*display);
        for (unsigned i = 0; i < monitors.size(); ++i)
            devices = g_list_append(
                devices, gst_object_ref_sink(gst_xshm_device_new(display->name(), monitors[i], i,
                                                                 format)));
    } catch (const std::exception &e) {
        // No display is no error for a provider: there is just nothing to list.
        GST_INFO_OBJECT(provider, "no monitors: %s", e.what());
    }
    return devices;
}

static void gst_xshm_device_provider_class_init(GstXShmDeviceProviderClass *klass) {
    GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS(klass);
    provider_class->probe = gst_xshm_device_provider_probe;
    gst_device_provider_class_set_static_metadata(
        provider_class, "X11 monitor provider", "Source/Monitor",
        "Lists the RandR monitors of $DISPLAY for capture with xshmsrc", "xshm developers");
    GST_DEBUG_CATEGORY_INIT(gst_xshm_device_provider_debug, "xshmdeviceprovider", 0,
                            "xshm monitor device provider");
}

static void gst_xshm_device_provider_init(GstXShmDeviceProvider *) {}
