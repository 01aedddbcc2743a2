// SPDX-License-Identifier: LGPL-2.1-or-later
// The sound source --audio records, tried before the recording starts: a
// device that does not exist or a sound server that does not answer is
// refused with its name and the sources there are, instead of failing once
// the file was begun.
#pragma once

#include <string>

namespace xshm_record {

// "" when PulseAudio/PipeWire gives sound from `device` (empty: the default
// source), else why not, naming the device and listing the sources.
std::string audio_source_problem(const std::string &device);

} // namespace xshm_record
