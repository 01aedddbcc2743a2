// SPDX-License-Identifier: LGPL-2.1-or-later
// What xshm-record captures: what xshmsrc is set to, and what the file gets
// of what xshmsrc found once started (source_element.h starts it). Errors
// name what was asked; xshmsrc's own say what exists. No GStreamer here, so
// the tests reach every rule.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "output_format.h"
#include "recorder_options.h"

namespace xshm_record {

// Element properties by name, with values as gst_util_set_object_arg takes them.
using PropertyList = std::vector<std::pair<std::string, std::string>>;

// What xshmsrc is set to for `options`: the display, the monitor or window,
// the region, the pointer, frames only on change (unless --cfr). A region
// smaller than `limits` take is refused before xshmsrc is asked. Throws
// xshm::Error.
PropertyList source_properties(const RecorderOptions &options, const PictureLimits &limits);

// What a started xshmsrc says of itself.
struct SourceReport {
    std::string description;        // its capture-source
    unsigned width = 0, height = 0; // its caps
    bool shared_memory = false;     // its capture-path is shm-memfd or shm-sysv
    bool converts = false;          // its caps offer I420/NV12/Y444
};

struct CaptureTarget {
    std::string description; // "the screen of X display ':0'", "monitor HDMI-1 ...", ...
    unsigned source_width = 0, source_height = 0; // xshmsrc's frames
    // What is recorded of them: the same, or less an odd last column or row
    // (4:2:0), which the pipeline crops.
    unsigned width = 0, height = 0;
    // The file's picture: width x height, or that scaled down (aspect kept) to
    // what the codec takes; the pipeline scales to it.
    unsigned file_width = 0, file_height = 0;
    bool shared_memory = false; // frames come in MIT-SHM slots (else GetImage)
    bool converts = false;      // xshmsrc itself makes I420/NV12/Y444 here
    std::string note;           // why less than asked, or scaled, is recorded, or ""
};

// What is recorded of what xshmsrc found. A picture smaller than `limits`
// takes is refused; 4:2:0 codecs need even sizes, so an odd width or height
// loses its last column or row; a picture larger than the codec takes is
// scaled (both said in `note`). Throws xshm::Error.
CaptureTarget capture_target(const RecorderOptions &options, const PictureLimits &limits,
                             const SourceReport &source);

// "cannot record window 'x': <why>", for what xshmsrc said was wrong.
std::string refusal(const RecorderOptions &options, const std::string &why);

// One line per monitor / named window, for --list-monitors and --list-windows.
// Throws xshm::Error.
std::string monitors_text(const std::string &display);
std::string windows_text(const std::string &display);

} // namespace xshm_record
