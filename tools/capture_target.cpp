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
    g.source.display_name = o.display;
    g.source.monitor = o.monitor;
    if (const auto id = window_id(o.window))
        g.source.xid = *id;
    else
        g.source.xname = o.window;
    if (!o.region.empty())
        g.source.region = {unsigned(o.region_x), unsigned(o.region_y),
                           unsigned(o.region_x) + o.region_width - 1,
                           unsigned(o.region_y) + o.region_height - 1};
    g.show_pointer = false; // only looking
    g.use_damage = false;
    g.max_slots = 1;
    return g;
}

std::string what_is_asked(const RecorderOptions &o) {
    const std::string region = o.region.empty() ? "" : "region " + o.region;
    if (o.monitor.empty() && o.window.empty())
        return region.empty() ? "the screen" : region;
    return (!o.monitor.empty() ? "monitor '" + o.monitor + "'" : "window '" + o.window + "'") +
           (region.empty() ? "" : ", " + region);
}

std::string size_text(unsigned width, unsigned height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

// Never a smaller picture than the file takes: a muxer refuses it (and
// before, xshmsrc would take a 1-pixel region at 0 as "to the edge").
void refuse_smaller(const RecorderOptions &o, const PictureLimits &l, unsigned width,
                    unsigned height) {
    if (width < l.min_side || height < l.min_side)
        throw xshm::Error("cannot record " + what_is_asked(o) + ": " + size_text(width, height) +
                          " is smaller than " + l.smallest_by + " takes (" +
                          size_text(l.min_side, l.min_side) + " at least)");
}

// Opens the display and captures one frame, as the recording will.
xshm::Region probe(CaptureTarget &target, const RecorderOptions &options) {
    try {
        xshm::Grabber probe(target.grabber);
        target.shared_memory = probe.slot_pool() != nullptr;
        target.converts = target.shared_memory && xshm::converts_from(probe.format());
        target.description =
            probe.source_description() + " of X display '" + probe.display_name() + "'";
        return probe.region();
    } catch (const xshm::Error &e) {
        throw xshm::Error("cannot record " + what_is_asked(options) + ": " + e.what());
    }
}

// 4:2:0: the last column or row of an odd size is left out. The size is the
// limits' smallest at least, so the region's end is never 0 ("to the edge").
void crop_to_even(CaptureTarget &target, const xshm::Region &region) {
    xshm::RegionRequest &r = target.grabber.source.region;
    const unsigned x0 = r.startx, y0 = r.starty; // 0, 0 without --region
    target.width = region.width & ~1u;
    target.height = region.height & ~1u;
    r = {x0, y0, x0 + target.width - 1, y0 + target.height - 1};
    target.note = "recording " + size_text(target.width, target.height) + " of " +
                  size_text(region.width, region.height) + ": 4:2:0 video needs even sizes";
}

// Larger than the codec takes: scaled down to fit, aspect kept.
void fit_file_size(CaptureTarget &target, const RecorderOptions &o, const PictureLimits &l) {
    const auto size = file_size(l, target.width, target.height);
    const std::string captured = size_text(target.width, target.height);
    if (!size)
        throw xshm::Error("cannot record " + what_is_asked(o) + ": " + captured + " does not fit " +
                          l.codec + " with its aspect kept (" +
                          why_too_large(l, target.width, target.height) + ", and " + l.smallest_by +
                          " takes " + size_text(l.min_side, l.min_side) + " at least)");
    target.file_width = size->width;
    target.file_height = size->height;
    if (size->width != target.width || size->height != target.height)
        target.note += std::string(target.note.empty() ? "" : "; ") + what_is_asked(o) + " is " +
                       captured + "; " + why_too_large(l, target.width, target.height) +
                       ": recording it scaled to " + size_text(size->width, size->height);
}

} // namespace

CaptureTarget find_capture_target(const RecorderOptions &options, const PictureLimits &limits) {
    if (!options.region.empty()) // before xshm is asked for it at all
        refuse_smaller(options, limits, options.region_width, options.region_height);
    CaptureTarget target;
    target.grabber = grabber_options(options);
    const xshm::Region region = probe(target, options);
    refuse_smaller(options, limits, region.width, region.height); // a monitor, a window
    target.width = region.width;
    target.height = region.height;
    if (limits.even && (region.width % 2 || region.height % 2))
        crop_to_even(target, region);
    fit_file_size(target, options, limits);
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
