// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capture_target.h"

#include "display_connection.h"
#include "error.h"
#include "monitor_lookup.h"
#include "window_lookup.h"

namespace xshm_record {
namespace {

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
        throw xshm::Error(refusal(o, size_text(width, height) + " is smaller than " +
                                         l.smallest_by + " takes (" +
                                         size_text(l.min_side, l.min_side) + " at least)"));
}

// Larger than the codec takes: scaled down to fit, aspect kept.
void fit_file_size(CaptureTarget &target, const RecorderOptions &o, const PictureLimits &l) {
    const auto size = file_size(l, target.width, target.height);
    const std::string captured = size_text(target.width, target.height);
    if (!size)
        throw xshm::Error(refusal(
            o, captured + " does not fit " + l.codec + " with its aspect kept (" +
                   why_too_large(l, target.width, target.height) + ", and " + l.smallest_by +
                   " takes " + size_text(l.min_side, l.min_side) + " at least)"));
    target.file_width = size->width;
    target.file_height = size->height;
    if (size->width != target.width || size->height != target.height)
        target.note += std::string(target.note.empty() ? "" : "; ") + what_is_asked(o) + " is " +
                       captured + "; " + why_too_large(l, target.width, target.height) +
                       ": recording it scaled to " + size_text(size->width, size->height);
}

} // namespace

std::string refusal(const RecorderOptions &options, const std::string &why) {
    return "cannot record " + what_is_asked(options) + ": " + why;
}

PropertyList source_properties(const RecorderOptions &o, const PictureLimits &l) {
    PropertyList p;
    if (!o.display.empty())
        p.emplace_back("display-name", o.display);
    if (!o.monitor.empty())
        p.emplace_back("monitor", o.monitor);
    if (const auto id = window_id(o.window))
        p.emplace_back("xid", std::to_string(*id));
    else if (!o.window.empty())
        p.emplace_back("xname", o.window);
    if (!o.region.empty()) { // refused before xshmsrc is asked for it at all
        refuse_smaller(o, l, o.region_width, o.region_height);
        // Its size is at least the limits' smallest, so its end is never 0 ("to the edge").
        const unsigned x = unsigned(o.region_x), y = unsigned(o.region_y);
        p.emplace_back("startx", std::to_string(x));
        p.emplace_back("starty", std::to_string(y));
        p.emplace_back("endx", std::to_string(x + o.region_width - 1));
        p.emplace_back("endy", std::to_string(y + o.region_height - 1));
    }
    p.emplace_back("show-pointer", o.pointer ? "true" : "false");
    p.emplace_back("skip-unchanged", o.constant_rate ? "false" : "true");
    return p;
}

CaptureTarget capture_target(const RecorderOptions &o, const PictureLimits &l,
                             const SourceReport &source) {
    CaptureTarget target;
    target.description = source.description;
    target.source_width = source.width;
    target.source_height = source.height;
    target.shared_memory = source.shared_memory;
    target.converts = source.converts;
    refuse_smaller(o, l, source.width, source.height); // a monitor, a window
    // 4:2:0: the last column or row of an odd size is left out (cropped in
    // the pipeline). The size is the limits' smallest at least.
    target.width = l.even ? source.width & ~1u : source.width;
    target.height = l.even ? source.height & ~1u : source.height;
    if (target.width != source.width || target.height != source.height)
        target.note = "recording " + size_text(target.width, target.height) + " of " +
                      size_text(source.width, source.height) + ": 4:2:0 video needs even sizes";
    fit_file_size(target, o, l);
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
