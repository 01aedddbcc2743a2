// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture_target.h"

#include "display_connection.h"
#include "error.h"
#include "monitor_lookup.h"
#include "window_lookup.h"
#include "yuv_conversion.h"

namespace xshm_record {
namespace {

xshm::GrabberOptions grabber_options(const RecorderOptions &o) {
    xshm::GrabberOptions g;
    g.display_name = o.display;
    g.monitor = o.monitor;
    if (const auto id = window_id(o.window))
        g.xid = *id;
    else
        g.xname = o.window;
    if (!o.region.empty())
        g.region = {unsigned(o.region_x), unsigned(o.region_y),
                    unsigned(o.region_x) + o.region_width - 1,
                    unsigned(o.region_y) + o.region_height - 1};
    g.show_pointer = false; // only looking
    g.use_damage = false;
    g.max_slots = 1;
    return g;
}

std::string what_is_asked(const RecorderOptions &o) {
    std::string what = !o.monitor.empty()  ? "monitor '" + o.monitor + "'"
                       : !o.window.empty() ? "window '" + o.window + "'"
                                           : std::string("the screen");
    if (!o.region.empty())
        what += ", region " + o.region;
    return what;
}

} // namespace

CaptureTarget find_capture_target(const RecorderOptions &options, bool even_size) {
    CaptureTarget target;
    target.grabber = grabber_options(options);
    xshm::Region region;
    std::string description;
    try {
        xshm::Grabber probe(target.grabber);
        region = probe.region();
        target.shared_memory = probe.slot_pool() != nullptr;
        target.converts = target.shared_memory && xshm::converts_from(probe.format());
        description = probe.source_description() + " of X display '" + probe.display_name() + "'";
    } catch (const xshm::Error &e) {
        throw xshm::Error("cannot record " + what_is_asked(options) + ": " + e.what());
    }
    target.description = description;
    target.width = region.width;
    target.height = region.height;
    if (even_size && (region.width % 2 || region.height % 2)) {
        if (region.width < 2 || region.height < 2)
            throw xshm::Error("cannot record " + what_is_asked(options) + ": " +
                              std::to_string(region.width) + "x" + std::to_string(region.height) +
                              " is too small for 4:2:0 video");
        xshm::RegionRequest &r = target.grabber.region;
        const unsigned x0 = r.startx, y0 = r.starty; // 0, 0 without --region
        target.width = region.width & ~1u;
        target.height = region.height & ~1u;
        r = {x0, y0, x0 + target.width - 1, y0 + target.height - 1};
        target.note = "recording " + std::to_string(target.width) + "x" +
                      std::to_string(target.height) + " of " + std::to_string(region.width) + "x" +
                      std::to_string(region.height) + ": 4:2:0 video needs even sizes";
    }
    return target;
}

std::string monitors_text(const std::string &display) {
    auto connection = xshm::DisplayConnection::open(display);
    const auto monitors = xshm::list_monitors(*connection);
    std::string text;
    for (std::size_t i = 0; i < monitors.size(); ++i)
        text += std::to_string(i) + ": " + monitors[i].describe() + "\n";
    return text.empty() ? "no monitors\n" : text;
}

std::string windows_text(const std::string &display) {
    auto connection = xshm::DisplayConnection::open(display);
    std::string text;
    for (const xshm::WindowInfo &w : xshm::list_windows(*connection))
        text += w.describe() + "\n";
    return text.empty() ? "no named windows\n" : text;
}

} // namespace xshm_record
