// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs a recording to its end: starts the pipeline, shows progress, stops it
// cleanly (the file finalized) on -t, Ctrl-C, SIGTERM, SIGHUP or a lost X
// server, aborts on a second Ctrl-C, and says how it went.
#pragma once

#include <string>

#include "encoder_choice.h"
#include "output_format.h"
#include "recorder_options.h"
#include "source_element.h"

namespace xshm_record {

// Exit statuses, as --help says them.
constexpr int kRecorded = 0, kFailed = 1, kRefused = 2, kAborted = 130;

// Writes "xshm-record: <message>" to stderr (clearing a status line first).
void tell(const std::string &message);

// Records from `source` (started: see source_element.h), which joins the pipeline.
int record(const RecorderOptions &options, const OutputFormat &format, const EncoderPlan &encoder,
           SourceElement &source);

} // namespace xshm_record
