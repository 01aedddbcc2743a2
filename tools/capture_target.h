// SPDX-License-Identifier: LGPL-2.1-or-later
// What xshm-record captures, found and checked before anything is written:
// the display, the monitor or window, the region. Errors name what was asked
// and list what exists (the core's messages).
#pragma once

#include <string>

#include "grabber.h"
#include "output_format.h"
#include "recorder_options.h"

namespace xshm_record {

struct CaptureTarget {
    xshm::GrabberOptions grabber;   // what xshmsrc is set to
    std::string description;        // "the screen of X display ':0'", "monitor HDMI-1 ...", ...
    unsigned width = 0, height = 0; // what xshmsrc captures
    // The file's picture: width x height, or that scaled down (aspect kept) to
    // what the codec takes; the pipeline scales to it.
    unsigned file_width = 0, file_height = 0;
    bool shared_memory = false; // frames come in MIT-SHM slots (else GetImage)
    bool converts = false;      // xshmsrc itself makes I420/NV12/Y444 here
    std::string note;           // why less than asked, or scaled, is recorded, or ""
};

// Opens the display and looks. A picture smaller than `limits` takes is
// refused (asked regions before anything is captured); 4:2:0 codecs need even
// sizes, so an odd width or height loses its last column or row; a picture
// larger than the codec takes is scaled (both said in `note`).
// Throws xshm::Error.
CaptureTarget find_capture_target(const RecorderOptions &options, const PictureLimits &limits);

// One line per monitor / named window, for --list-monitors and --list-windows.
// Throws xshm::Error.
std::string monitors_text(const std::string &display);
std::string windows_text(const std::string &display);

} // namespace xshm_record
