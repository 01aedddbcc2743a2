// SPDX-License-Identifier: LGPL-2.1-or-later
// xshm-record: records an X11 screen, monitor, window or region to a file
// with xshmsrc, frames only where the screen changed. See --help and
// xshm-record(1).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gst/gst.h>

#include "audio_source.h"
#include "capture_target.h"
#include "encoder_choice.h"
#include "error.h"
#include "output_format.h"
#include "recorder_options.h"
#include "recorder_run.h"
#include "source_element.h"

using namespace xshm_record;

namespace {

std::string directory_of(const std::string &file) {
    const std::size_t slash = file.find_last_of('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : file.substr(0, slash);
}

// Whether the directory takes a new file `path` (a mkstemp pattern when
// `temporary`, else a name that does not exist): it is created and removed,
// for access() says yes where creating fails (/proc as root, a read-only file
// system).
std::string creation_problem(std::string path, const std::string &file, bool temporary) {
    const int fd = temporary ? mkstemp(path.data())
                             : open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return "cannot create '" + file + "': " + std::strerror(errno);
    close(fd);
    unlink(path.c_str());
    return "";
}

// "" when FILE may be written, else why not. An existing FILE is not touched:
// the recording goes to a new file beside it first.
std::string output_problem(const RecorderOptions &o) {
    struct stat st {};
    if (stat(o.file.c_str(), &st) != 0) {
        const std::string dir = directory_of(o.file);
        if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return "cannot write '" + o.file + "': the directory '" + dir + "' does not exist";
        return creation_problem(o.file, o.file, false);
    }
    if (S_ISDIR(st.st_mode))
        return "'" + o.file + "' is a directory; give a file name";
    if (!o.overwrite)
        return "'" + o.file + "' exists; -y replaces it";
    if (access(o.file.c_str(), W_OK) != 0)
        return "cannot write '" + o.file + "': " + std::strerror(errno);
    return creation_problem(directory_of(o.file) + "/.xshm-record-XXXXXX", o.file, true);
}

// Whether a GStreamer element exists here and starts (a hardware encoder
// without its device fails to).
bool usable(const std::string &factory) {
    GstElement *element = gst_element_factory_make(factory.c_str(), nullptr);
    if (element == nullptr)
        return false;
    const bool ok = gst_element_set_state(element, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE;
    gst_element_set_state(element, GST_STATE_NULL);
    gst_object_unref(element);
    return ok;
}

int list(const RecorderOptions &o) {
    try {
        if (o.list_monitors)
            std::fputs(monitors_text(o.display).c_str(), stdout);
        if (o.list_windows)
            std::fputs(windows_text(o.display).c_str(), stdout);
    } catch (const xshm::Error &e) {
        tell(e.what());
        return kRefused;
    }
    return kRecorded;
}

EncoderRequest encoder_request(const RecorderOptions &o, const OutputFormat &format) {
    EncoderRequest r;
    r.codec = format.codec;
    r.preset = o.preset;
    r.bitrate_kbps = o.bitrate_kbps;
    r.quality = o.quality;
    r.keyint_frames = std::max(1u, unsigned(o.keyint * o.fps + 0.5));
    r.allow_hardware = o.hardware;
    r.chroma444 = format.chroma444;
    return r;
}

} // namespace

int main(int argc, char **argv) {
    gst_init(&argc, &argv);
    const ParsedOptions parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    const RecorderOptions &o = parsed.options;
    if (!parsed.error.empty()) {
        tell(parsed.error);
        return kRefused;
    }
    if (o.help) {
        std::fputs(usage_text().c_str(), stdout);
        return kRecorded;
    }
    if (o.list_monitors || o.list_windows)
        return list(o);
    std::string problem;
    const auto format = choose_output(o, &problem);
    if (problem.empty())
        problem = output_problem(o);
    if (!problem.empty()) {
        tell(problem);
        return kRefused;
    }
    // xshmsrc itself looks (a second look of our own could find another
    // window, and cost a second X connection), and then records.
    std::unique_ptr<SourceElement> source;
    try {
        source = std::make_unique<SourceElement>(o, picture_limits(*format));
    } catch (const xshm::Error &e) {
        tell(e.what());
        return kRefused;
    }
    if (o.audio) {
        problem = audio_source_problem(o.audio_device);
        if (!problem.empty()) {
            tell(problem);
            return kRefused;
        }
    }
    const EncoderPlan encoder = choose_encoder(encoder_request(o, *format), usable);
    return record(o, *format, encoder, *source);
}
