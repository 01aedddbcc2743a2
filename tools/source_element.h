// SPDX-License-Identifier: LGPL-2.1-or-later
// The xshmsrc a recording captures with, started before anything is
// written: its start opens the display and finds what is asked, or says what
// was wrong, and what it then offers (size, YUV made by itself, shared memory
// or not) is what the file is made for. The same element, holding the same
// connection and the window it found, then records: nothing can change
// between the look and the recording.
#pragma once

#include <gst/gst.h>

#include "capture_target.h"
#include "output_format.h"
#include "recorder_options.h"

namespace xshm_record {

class SourceElement {
public:
    // xshmsrc set as `options` ask, in PAUSED. Its state is locked there (a
    // pipeline it joins does not restart it) and its streaming thread held
    // before it negotiates, until release(). Throws xshm::Error: xshmsrc's
    // own message ("cannot record monitor 'X': no monitor 'X'; monitors: ...")
    // or capture_target's refusal. Bounded as xshmsrc's start is (its waits
    // on the X server end within 10 s); a signal ends the process as before.
    SourceElement(const RecorderOptions &options, const PictureLimits &limits);
    ~SourceElement(); // stops it (NULL), whatever state it is in
    SourceElement(const SourceElement &) = delete;
    SourceElement &operator=(const SourceElement &) = delete;

    GstElement *element() const { return element_; }
    const CaptureTarget &target() const { return target_; }

    // Once it is linked into its pipeline and that is PAUSED: its state
    // follows the pipeline's, and its streaming thread goes on to negotiate.
    void release();

private:
    void stop();

    GstElement *element_ = nullptr; // a reference of ours
    gulong hold_ = 0;               // the probe holding its streaming thread
    CaptureTarget target_;
};

} // namespace xshm_record
