#include "gstxshmdeviceprovider.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "display_connection.h"
#include "error.h"
#include "gstxshmdevice.h"
#include "monitor_lookup.h"
#include "pixel_format.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_device_provider_debug);
#define GST_CAT_DEFAULT gst_xshm_device_provider_debug

// While started, a thread looks at the monitors twice a second (monitor edits
// send no RandR event) and announces what appeared or went away.
struct GstXShmDeviceProviderPrivate {
    std::thread watcher;
    std::mutex lock;
    std::condition_variable wake;
    bool stopping = false;
    std::map<std::string, GstDevice *> devices; // by what identifies a monitor
};

struct _GstXShmDeviceProvider {
    GstDeviceProvider parent;
    GstXShmDeviceProviderPrivate *priv;
};

G_DEFINE_TYPE(GstXShmDeviceProvider, gst_xshm_device_provider, GST_TYPE_DEVICE_PROVIDER)
GST_DEVICE_PROVIDER_REGISTER_DEFINE(xshmdeviceprovider, "xshmdeviceprovider", GST_RANK_PRIMARY,
                                    GST_TYPE_XSHM_DEVICE_PROVIDER)

// The monitors of $DISPLAY as devices, keyed by everything a device shows.
static std::map<std::string, GstDevice *> list_devices(GstDeviceProvider *provider) {
    std::map<std::string, GstDevice *> devices;
    try {
        auto display = xshm::DisplayConnection::open("");
        const std::string format =
            xshm::describe_pixel_format(display->setup(), display->screen()).gst_format;
        const auto monitors = xshm::list_monitors(*display);
        for (unsigned i = 0; i < monitors.size(); ++i) {
            // Not the index: adding a monitor would renumber, not change, the others.
            std::string key = display->name() + " " + monitors[i].describe();
            for (const std::string &output : monitors[i].outputs)
                key += " " + output;
            devices[key] = GST_DEVICE(gst_object_ref_sink(
                gst_xshm_device_new(display->name(), monitors[i], i, format)));
        }
    } catch (const std::exception &e) {
        // No display is no error for a provider: there is just nothing to list.
        GST_INFO_OBJECT(provider, "no monitors: %s", e.what());
    }
    return devices;
}

static GList *gst_xshm_device_provider_probe(GstDeviceProvider *provider) {
    GList *list = nullptr;
    for (auto &entry : list_devices(provider))
        list = g_list_append(list, entry.second);
    return list;
}

// Announces the difference between what was listed and what is there now.
static void announce_changes(GstXShmDeviceProvider *self) {
    auto *provider = GST_DEVICE_PROVIDER(self);
    auto *priv = self->priv;
    auto now = list_devices(provider);
    for (auto it = priv->devices.begin(); it != priv->devices.end();) {
        if (now.count(it->first)) {
            ++it;
            continue;
        }
        GST_INFO_OBJECT(self, "monitor gone: %s", it->first.c_str());
        gst_device_provider_device_remove(provider, it->second);
        gst_object_unref(it->second);
        it = priv->devices.erase(it);
    }
    for (auto &entry : now) {
        if (priv->devices.count(entry.first)) {
            gst_object_unref(entry.second);
            continue;
        }
        GST_INFO_OBJECT(self, "monitor added: %s", entry.first.c_str());
        priv->devices[entry.first] = entry.second; // list_devices' reference is ours now
        gst_device_provider_device_add(provider, entry.second); // it takes its own
    }
}

static gboolean gst_xshm_device_provider_start(GstDeviceProvider *provider) {
    auto *self = GST_XSHM_DEVICE_PROVIDER(provider);
    auto *priv = self->priv;
    priv->stopping = false;
    announce_changes(self);
    priv->watcher = std::thread([self, priv] {
        std::unique_lock<std::mutex> lock(priv->lock);
        while (!priv->wake.wait_for(lock, std::chrono::milliseconds(500),
                                    [priv] { return priv->stopping; })) {
            lock.unlock();
            announce_changes(self);
            lock.lock();
        }
    });
    return TRUE;
}

static void gst_xshm_device_provider_stop(GstDeviceProvider *provider) {
    auto *priv = GST_XSHM_DEVICE_PROVIDER(provider)->priv;
    {
        std::lock_guard<std::mutex> lock(priv->lock);
        priv->stopping = true;
    }
    priv->wake.notify_all();
    if (priv->watcher.joinable())
        priv->watcher.join();
    for (auto &entry : priv->devices)
        gst_object_unref(entry.second);
    priv->devices.clear();
}

static void gst_xshm_device_provider_finalize(GObject *object) {
    delete GST_XSHM_DEVICE_PROVIDER(object)->priv;
    G_OBJECT_CLASS(gst_xshm_device_provider_parent_class)->finalize(object);
}

static void gst_xshm_device_provider_class_init(GstXShmDeviceProviderClass *klass) {
    GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS(klass);
    G_OBJECT_CLASS(klass)->finalize = gst_xshm_device_provider_finalize;
    provider_class->probe = gst_xshm_device_provider_probe;
    provider_class->start = gst_xshm_device_provider_start;
    provider_class->stop = gst_xshm_device_provider_stop;
    gst_device_provider_class_set_static_metadata(
        provider_class, "X11 monitor provider", "Source/Monitor",
        "Lists the RandR monitors of $DISPLAY for capture with xshmsrc", "xshm developers");
    GST_DEBUG_CATEGORY_INIT(gst_xshm_device_provider_debug, "xshmdeviceprovider", 0,
                            "xshm monitor device provider");
}

static void gst_xshm_device_provider_init(GstXShmDeviceProvider *self) {
    self->priv = new GstXShmDeviceProviderPrivate();
}
