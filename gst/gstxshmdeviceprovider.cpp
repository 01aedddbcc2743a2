// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstxshmdeviceprovider.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "display_connection.h"
#include "error.h"
#include "gstxshmdevice.h"
#include "monitor_lookup.h"
#include "pixel_format.h"

GST_DEBUG_CATEGORY_STATIC(gst_xshm_device_provider_debug);
#define GST_CAT_DEFAULT gst_xshm_device_provider_debug

// While started, a thread looks at the monitors twice a second (monitor edits
// send no RandR event) over one X connection of its own, and announces what
// appeared, went away or changed against the provider's own device list. As
// the d3d11/d3d12 screen-capture providers, one device per monitor.
struct GstXShmDeviceProviderPrivate {
    std::thread watcher; // owns `display` while it runs
    std::mutex lock;
    std::condition_variable wake;
    bool stopping = false; // under `lock`
};

struct _GstXShmDeviceProvider {
    GstDeviceProvider parent;
    GstXShmDeviceProviderPrivate *priv;
};

/**
 * SECTION:provider-xshmdeviceprovider
 * @title: xshmdeviceprovider
 *
 * Lists the RandR monitors of the X display in $DISPLAY as devices of class
 * `Source/Monitor`, one per monitor (as the d3d11 and d3d12 screen-capture
 * providers do), and announces monitors that appear, go away or change.
 * gst_device_create_element() gives an xshmsrc set to that display and monitor.
 * Each device's properties carry `device.api=xshm`, `xshm.display`,
 * `xshm.monitor.name`, `xshm.monitor.index`, `xshm.monitor.primary`,
 * `xshm.monitor.outputs` and the monitor's geometry (`xshm.monitor.x`,
 * `xshm.monitor.y`, `xshm.monitor.width`, `xshm.monitor.height`).
 *
 * ## Example
 * |[
 * gst-device-monitor-1.0 Source/Monitor
 * ]| Lists the monitors with a launch line for each, such as
 * `xshmsrc display-name=:0 monitor=HDMI-1 ! ...`.
 */

G_DEFINE_TYPE(GstXShmDeviceProvider, gst_xshm_device_provider, GST_TYPE_DEVICE_PROVIDER)
GST_DEVICE_PROVIDER_REGISTER_DEFINE(xshmdeviceprovider, "xshmdeviceprovider", GST_RANK_PRIMARY,
                                    GST_TYPE_XSHM_DEVICE_PROVIDER)

// The monitors of `display` as (floating) devices; none when it broke.
static std::vector<GstDevice *> monitors_of(GstDeviceProvider *provider,
                                            xshm::DisplayConnection &display) {
    std::vector<GstDevice *> devices;
    try {
        const std::string format =
            xshm::describe_pixel_format(display.setup(), display.screen()).gst_format;
        const auto monitors = xshm::list_monitors(display);
        for (unsigned i = 0; i < monitors.size(); ++i)
            devices.push_back(gst_xshm_device_new(display.name(), monitors[i], i, format));
    } catch (const std::exception &e) {
        GST_INFO_OBJECT(provider, "no monitors: %s", e.what());
    }
    return devices;
}

// $DISPLAY, or null when there is none to talk to (no error for a provider).
static std::shared_ptr<xshm::DisplayConnection> open_display(GstDeviceProvider *provider) {
    try {
        return xshm::DisplayConnection::open("");
    } catch (const std::exception &e) {
        GST_INFO_OBJECT(provider, "no display: %s", e.what());
        return nullptr;
    }
}

static GList *gst_xshm_device_provider_probe(GstDeviceProvider *provider) {
    GList *list = nullptr;
    if (auto display = open_display(provider))
        for (GstDevice *device : monitors_of(provider, *display))
            list = g_list_append(list, gst_object_ref_sink(device));
    return list;
}

static GstXShmDevice *same_monitor(const std::vector<GstDevice *> &devices, GstXShmDevice *known) {
    for (GstDevice *device : devices)
        if (gst_xshm_device_identity(GST_XSHM_DEVICE(device)) == gst_xshm_device_identity(known))
            return GST_XSHM_DEVICE(device);
    return nullptr;
}

// The devices the provider announced (its own list, under its object lock:
// gst_device_provider_get_devices() would take the lock start() and stop() hold).
static GList *announced(GstDeviceProvider *provider) {
    GST_OBJECT_LOCK(provider);
    GList *devices = nullptr;
    for (GList *l = provider->devices; l != nullptr; l = l->next)
        devices = g_list_prepend(devices, gst_object_ref(l->data));
    GST_OBJECT_UNLOCK(provider);
    return g_list_reverse(devices);
}

// What the provider announced so far against the monitors there are now.
static void announce_changes(GstDeviceProvider *provider, xshm::DisplayConnection *display) {
    std::vector<GstDevice *> now;
    if (display != nullptr)
        now = monitors_of(provider, *display);
    GList *known = announced(provider);
    for (GList *l = known; l != nullptr; l = l->next) {
        auto *old = GST_XSHM_DEVICE(l->data);
        GstXShmDevice *current = same_monitor(now, old);
        if (current == nullptr) {
            GST_INFO_OBJECT(provider, "monitor gone: %s", gst_xshm_device_identity(old).c_str());
            gst_device_provider_device_remove(provider, GST_DEVICE(old));
            continue;
        }
        now.erase(std::find(now.begin(), now.end(), GST_DEVICE(current)));
        if (gst_xshm_device_shape(current) != gst_xshm_device_shape(old)) {
            GST_INFO_OBJECT(provider, "monitor changed: %s",
                            gst_xshm_device_shape(current).c_str());
            gst_device_provider_device_changed(provider, GST_DEVICE(current), GST_DEVICE(old));
        } else {
            gst_object_unref(gst_object_ref_sink(current)); // as it was
        }
    }
    g_list_free_full(known, gst_object_unref);
    for (GstDevice *added : now) {
        GST_INFO_OBJECT(provider, "monitor added: %s",
                        gst_xshm_device_identity(GST_XSHM_DEVICE(added)).c_str());
        gst_device_provider_device_add(provider, added);
    }
}

// The watcher thread, on the connection start() announced from.
static void watch(GstDeviceProvider *provider, GstXShmDeviceProviderPrivate *priv,
                  std::shared_ptr<xshm::DisplayConnection> display) {
    std::unique_lock<std::mutex> lock(priv->lock);
    while (!priv->wake.wait_for(lock, std::chrono::milliseconds(500),
                                [priv] { return priv->stopping; })) {
        lock.unlock();
        if (!display || display->has_error()) // gone: look for a server again
            display = open_display(provider);
        announce_changes(provider, display.get());
        lock.lock();
    }
}

static gboolean gst_xshm_device_provider_start(GstDeviceProvider *provider) {
    auto *priv = GST_XSHM_DEVICE_PROVIDER(provider)->priv;
    priv->stopping = false;
    std::shared_ptr<xshm::DisplayConnection> display = open_display(provider);
    announce_changes(provider, display.get());
    priv->watcher = std::thread(watch, provider, priv, std::move(display));
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
        priv->watcher.join(); // GstDeviceProvider forgets its devices after stop()
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
