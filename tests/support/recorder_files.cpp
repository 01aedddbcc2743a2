// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/recorder_files.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

namespace xshm_test {

std::string temp_path(const std::string &name) {
    return std::string(g_get_tmp_dir()) + "/xshm-" + std::to_string(getpid()) + "-" + name;
}

bool exists(const std::string &path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

ChildProcess *recorder(const XvfbServer &x, std::vector<std::string> args, bool terminal) {
    std::vector<std::string> argv = {g_getenv("XSHM_RECORD"), "--display", x.display()};
    argv.insert(argv.end(), args.begin(), args.end());
    return new ChildProcess(argv, terminal);
}

std::string probe(const std::string &file, const std::string &stream, const std::string &entry) {
    std::string text = command_output(
        "ffprobe -v error " + (stream.empty() ? "" : "-select_streams " + stream + " ") +
        "-show_entries " + entry + " -of default=noprint_wrappers=1:nokey=1 '" + file + "'");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text.substr(text.rfind('\n') + 1); // the last line
}

void wait_until_recording(const std::string &file) {
    for (int i = 0; i < 400 && probe(file, "v:0", "stream=codec_name").empty(); ++i)
        g_usleep(50000);
}

double probe_seconds(const std::string &file, const std::string &stream, const std::string &entry) {
    const std::string text = probe(file, stream, entry);
    return text.empty() || text == "N/A" ? -1 : std::atof(text.c_str());
}

double stream_end(const std::string &file, const std::string &stream) {
    const std::string last =
        command_output("ffprobe -v error -select_streams " + stream +
                       " -show_entries packet=pts_time,duration_time -of csv=p=0 '" + file +
                       "' | grep , | tail -n1");
    double pts = 0, duration = 0;
    std::sscanf(last.c_str(), "%lf,%lf", &pts, &duration);
    return pts + duration;
}

std::vector<VideoFrame> video_frames(const std::string &file) {
    std::istringstream lines(command_output("ffprobe -v error -select_streams v:0 -show_entries "
                                            "frame=key_frame,pts_time -of csv=p=0 '" +
                                            file + "'"));
    std::vector<VideoFrame> frames;
    std::string line;
    while (std::getline(lines, line)) {
        int key = 0;
        VideoFrame f;
        if (std::sscanf(line.c_str(), "%d,%lf", &key, &f.pts) == 2) {
            f.key = key == 1;
            frames.push_back(f);
        }
    }
    return frames;
}

std::vector<uint8_t> picture(const std::string &file, std::size_t index) {
    const std::string rgb = command_output(
        "ffmpeg -nostdin -v error -i '" + file + "' -vf 'select=eq(n\\," + std::to_string(index) +
        ")' -frames:v 1 -f rawvideo -pix_fmt rgb24 - 2>/dev/null");
    return std::vector<uint8_t>(rgb.begin(), rgb.end());
}

std::string decode_complaints(const std::string &file) {
    return command_output("ffmpeg -nostdin -v warning -i '" + file + "' -f null - 2>&1");
}

PulseServer::PulseServer(const std::string &sink) {
    gchar *dir = g_dir_make_tmp("xshm-pulse-XXXXXX", nullptr);
    dir_ = dir;
    g_free(dir);
    g_setenv("PULSE_RUNTIME_PATH", dir_.c_str(), TRUE);
    g_setenv("PULSE_SERVER", ("unix:" + dir_ + "/native").c_str(), TRUE);
    server_ = new ChildProcess(
        {"pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "-L",
         "module-null-sink sink_name=" + sink, "-L",
         "module-native-protocol-unix auth-anonymous=1 socket=" + dir_ + "/native"});
    for (int i = 0; i < 100 && !exists(dir_ + "/native"); ++i)
        g_usleep(50000);
}

PulseServer::~PulseServer() {
    server_->signal(SIGTERM);
    server_->wait(5000);
    delete server_;
    g_unsetenv("PULSE_SERVER");
    command_output("rm -rf '" + dir_ + "'");
}

} // namespace xshm_test
