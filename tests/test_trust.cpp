// SPDX-License-Identifier: LGPL-2.1-or-later
// Recordings a user can trust, checked the way a user checks them: keyframes
// on time (ffprobe's key_frame flags), timestamps that only increase, a whole
// file FFmpeg decodes without a word, the same frame size through a
// resolution change, an old file kept until its replacement records, a full
// disk said at once, audio recordings as long as asked.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <glib/gstdio.h>

#include "output_format.h"
#include "support/child_process.h"
#include "support/expectations.h"
#include "support/media_file.h"
#include "support/painted_screen.h"
#include "support/randr_monitors.h"
#include "support/recorder_files.h"
#include "support/screen_painter.h"
#include "support/test_window.h"
#include "support/xvfb_server.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_test;

namespace {

// "wrote FILE: 00:00:05.0, 151 frames (150 changed, 1 repeated), ..."
struct Summary {
    bool found = false;
    double seconds = 0;
    long frames = 0, changed = 0, repeated = 0;
};

Summary summary_of(const std::string &output) {
    Summary s;
    const std::size_t at = output.find("xshm-record: wrote ");
    if (at == std::string::npos)
        return s;
    const std::size_t colon = output.find(": ", at + 19);
    int h = 0, m = 0;
    double sec = 0;
    s.found = colon != std::string::npos &&
              std::sscanf(output.c_str() + colon + 2, "%d:%d:%lf, %ld frames (%ld changed, %ld", &h,
                          &m, &sec, &s.frames, &s.changed, &s.repeated) == 6;
    const std::size_t repeated = output.find("changed, ", colon);
    if (repeated != std::string::npos)
        s.repeated = std::atol(output.c_str() + repeated + 9);
    s.seconds = h * 3600 + m * 60 + sec;
    return s;
}

// "" when the file has a keyframe at its start and then at least every
// `keyint` + 0.1 s until its end, and timestamps that only increase.
std::string keyframe_problem(const std::string &file, double keyint) {
    const std::vector<VideoFrame> frames = video_frames(file);
    if (frames.empty() || !frames[0].key)
        return "no keyframe at the start";
    double last_key = frames[0].pts;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        if (frames[i].pts <= frames[i - 1].pts)
            return "frame " + std::to_string(i) + " at " + std::to_string(frames[i].pts) +
                   " s does not come after " + std::to_string(frames[i - 1].pts) + " s";
        if (frames[i].key) {
            if (frames[i].pts - last_key > keyint + 0.1)
                return "keyframes at " + std::to_string(last_key) + " s and " +
                       std::to_string(frames[i].pts) + " s";
            last_key = frames[i].pts;
        }
    }
    const double end = stream_end(file, "v:0");
    if (end - last_key > keyint + 0.1)
        return "the last keyframe is at " + std::to_string(last_key) + " s, the file ends at " +
               std::to_string(end) + " s";
    return "";
}

// The summary says what the file holds: its frames, their kinds, its time.
void expect_summary_matches(const std::string &file, const std::string &output) {
    const Summary s = summary_of(output);
    fail_unless(s.found, "%s: no summary in: %s", file.c_str(), output.c_str());
    const std::vector<VideoFrame> frames = video_frames(file);
    fail_unless(s.frames == long(frames.size()), "%s: summary says %ld frames, the file has %zu",
                file.c_str(), s.frames, frames.size());
    fail_unless(s.changed + s.repeated == s.frames, "%s: %ld changed + %ld repeated != %ld frames",
                file.c_str(), s.changed, s.repeated, s.frames);
    const double held = stream_end(file, "v:0") - frames.front().pts;
    fail_unless(std::abs(s.seconds - held) <= 0.1, "%s: summary says %.2f s, the file holds %.2f s",
                file.c_str(), s.seconds, held);
}

// Recorders running at once on one display, each to a file of its own.
struct Recorders {
    std::vector<std::string> files;
    std::vector<ChildProcess *> running; // killed if still running at the end

    ~Recorders() {
        for (ChildProcess *r : running)
            delete r;
    }

    void start(const XvfbServer &x, const std::string &name, std::vector<std::string> args) {
        files.push_back(temp_path(name));
        args.push_back(files.back());
        running.push_back(recorder(x, args));
    }
    // Returns once every file has its first frame (a slow start must not
    // miss what the test does next).
    void wait_until_recording() const {
        for (const std::string &file : files)
            xshm_test::wait_until_recording(file);
    }
    // Waits for each to end by itself (after Ctrl-C when `interrupt`): all
    // must exit 0. Returns what each printed.
    std::vector<std::string> finish(bool interrupt) {
        std::vector<std::string> outputs;
        for (ChildProcess *r : running)
            if (interrupt)
                r->signal(SIGINT);
        for (std::size_t i = 0; i < running.size(); ++i) {
            const int status = running[i]->wait();
            outputs.push_back(running[i]->output());
            fail_unless(status == 0, "%s: exit %d: %s", files[i].c_str(), status,
                        outputs.back().c_str());
            delete running[i];
        }
        running.clear();
        return outputs;
    }
};

// A small filesystem of its own (tmpfs), to fill.
class SmallDisk {
public:
    explicit SmallDisk(unsigned kilobytes) {
        gchar *dir = g_dir_make_tmp("xshm-disk-XXXXXX", nullptr);
        dir_ = dir;
        g_free(dir);
        const std::string size = "size=" + std::to_string(kilobytes) + "k";
        mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, size.c_str()) == 0;
        fail_unless(mounted_, "cannot mount a tmpfs on %s (the test runs as root)", dir_.c_str());
    }
    ~SmallDisk() {
        if (mounted_)
            umount2(dir_.c_str(), MNT_DETACH);
        g_rmdir(dir_.c_str());
    }
    std::string path(const std::string &name) const { return dir_ + "/" + name; }
    // Writes `name` until the disk is full.
    void fill(const std::string &name) const {
        const int fd = open(path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const std::vector<char> block(4096, 'x');
        while (write(fd, block.data(), block.size()) > 0) {
        }
        close(fd);
    }
    std::string listing() const { return command_output("ls -A '" + dir_ + "'"); }

private:
    std::string dir_;
    bool mounted_ = false;
};

std::string file_bytes(const std::string &path) { return command_output("cat '" + path + "'"); }

void write_file(const std::string &path, const std::string &bytes) {
    FILE *f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

uint32_t rgb_at(const std::vector<uint8_t> &picture, unsigned width, unsigned x, unsigned y) {
    const std::size_t at = (std::size_t(y) * width + x) * 3;
    return at + 2 < picture.size()
               ? uint32_t(picture[at]) << 16 | uint32_t(picture[at + 1]) << 8 | picture[at + 2]
               : 0xffffffffu;
}

// Every size the decoded frames have, one "W,H" a line.
std::string frame_sizes(const std::string &file) {
    return command_output("ffprobe -v error -select_streams v:0 -show_entries frame=width,height "
                          "-of csv=p=0 '" +
                          file + "' | cut -d, -f1,2 | grep . | sort -u");
}

std::size_t count_of(const std::string &text, const std::string &part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

} // namespace

// Every container, content-driven and constant rate, through still, typing
// and full-screen stretches: a keyframe at least every --keyint of file time
// from start to end, timestamps that only increase, a silent decode, and a
// summary that says what the file holds.
GST_START_TEST(keyframes_on_time_in_every_recording) {
    PaintedScreen x({320, 240, 24}, Solid{0x206020});
    ScreenPainter &p = x;
    Recorders recorders;
    for (const char *container : {"mkv", "mp4", "webm"})
        for (const bool cfr : {false, true}) {
            std::vector<std::string> args = {"--keyint", "1", "--fps", "15", "--no-pointer"};
            if (cfr)
                args.push_back("--cfr");
            recorders.start(x, std::string("keys-") + (cfr ? "cfr." : "vfr.") + container, args);
        }
    g_usleep(2600000); // still
    p.animate(2.5, false);
    p.animate(1.5, true);
    g_usleep(2200000); // still again
    const std::vector<std::string> outputs = recorders.finish(true);
    const std::vector<std::string> &files = recorders.files;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string problem = keyframe_problem(files[i], 1.0);
        fail_unless(problem.empty(), "%s: %s", files[i].c_str(), problem.c_str());
        // Frames on the 1/--fps grid, which readers see: FFmpeg rounds to the
        // rate it guesses, and frames closer than that would share a time.
        const std::string rate = probe(files[i], "v:0", "stream=r_frame_rate");
        fail_unless(rate == "15/1", "%s: FFmpeg sees %s frames a second", files[i].c_str(),
                    rate.c_str());
        const std::string complaints = decode_complaints(files[i]);
        fail_unless(complaints.empty(), "%s: FFmpeg says: %s", files[i].c_str(),
                    complaints.c_str());
        expect_summary_matches(files[i], outputs[i]);
        unlink(files[i].c_str());
    }
}
GST_END_TEST;

// The screen shrinks to another aspect and grows back mid-recording: every
// frame keeps the first size, the small screen is shown whole with black
// borders, the full one again without, it is said once a change, and the
// file decodes cleanly.
GST_START_TEST(resolution_change_keeps_the_file_size) {
    PaintedScreen x({640, 480, 24}, Solid{0x2040d0});
    ScreenPainter &p = x;
    Recorders recorders;
    for (const char *name : {"resize.mkv", "resize.mp4", "resize.webm"})
        recorders.start(x, name, {"--no-pointer"});
    recorders.wait_until_recording();
    g_usleep(500000);
    run_xrandr(x.display(), "--fb 640x240", false); // a shrink complains of its output
    p.fill_rect(0, 0, 640, 240, 0x20c040);          // green, 2:1
    p.sync();
    g_usleep(1500000);
    run_xrandr(x.display(), "--fb 640x480", false);
    p.fill_rect(0, 0, 640, 480, 0xc02020); // red, full size again
    p.sync();
    g_usleep(1500000);
    const std::vector<std::string> outputs = recorders.finish(true);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const std::string &f = recorders.files[i];
        fail_unless_text(frame_sizes(f), "640,480\n");
        const std::string complaints = decode_complaints(f);
        fail_unless(complaints.empty(), "%s: FFmpeg says: %s", f.c_str(), complaints.c_str());
        fail_unless(count_of(outputs[i], "scaled to fit the file's 640x480") == 1 &&
                        count_of(outputs[i], "640x480 again") == 1,
                    "%s: %s", f.c_str(), outputs[i].c_str());
        // The first green and red frames, in decoding order.
        const std::vector<DecodedFrame> frames = decode_frames(f);
        std::size_t green = frames.size(), red = frames.size();
        for (std::size_t k = frames.size(); k-- > 0;) {
            if (colour_near(frames[k].rgb, 0x20c040, 20))
                green = k;
            if (colour_near(frames[k].rgb, 0xc02020, 20))
                red = k;
        }
        fail_unless(green < red && red < frames.size(), "%s: green frame %zu, red frame %zu",
                    f.c_str(), green, red);
        const std::vector<uint8_t> small = picture(f, green);
        // 640x240 fills the width: 120 black rows above and below.
        fail_unless(colour_near(rgb_at(small, 640, 320, 10), 0x000000, 20) &&
                        colour_near(rgb_at(small, 640, 320, 470), 0x000000, 20) &&
                        colour_near(rgb_at(small, 640, 320, 240), 0x20c040, 20),
                    "%s: the 640x240 screen is not letterboxed: top %06x middle %06x", f.c_str(),
                    rgb_at(small, 640, 320, 10), rgb_at(small, 640, 320, 240));
        const std::vector<uint8_t> full = picture(f, red);
        fail_unless(colour_near(rgb_at(full, 640, 320, 10), 0xc02020, 20), "%s: top %06x",
                    f.c_str(), rgb_at(full, 640, 320, 10));
        unlink(f.c_str());
    }
}
GST_END_TEST;

// A recorded window resized mid-recording: the same rule as a screen.
GST_START_TEST(resized_window_keeps_the_file_size) {
    XvfbServer x({640, 480, 24});
    TestWindow w(x.display(), "resized", 40, 40, 320, 160);
    w.paint(3);
    Recorders recorders;
    recorders.start(x, "window.mkv", {"--no-pointer", "--window", window_id_hex(w.id())});
    const std::string &file = recorders.files[0];
    recorders.wait_until_recording();
    g_usleep(500000);
    w.resize(160, 160);
    w.paint(4);
    g_usleep(1500000);
    const std::string output = recorders.finish(true)[0];
    fail_unless_text(frame_sizes(file), "320,160\n");
    fail_unless(count_of(output, "scaled to fit the file's 320x160") == 1, "%s", output.c_str());
    const std::string complaints = decode_complaints(file);
    fail_unless(complaints.empty(), "FFmpeg says: %s", complaints.c_str());
    unlink(file.c_str());
}
GST_END_TEST;

// -y keeps the old file until the new recording has written its first bytes:
// a recording that cannot start (the disk is full) leaves it as it was; one
// that starts replaces it, and a killed one leaves the new recording under
// the name. No hidden file is left beside it.
GST_START_TEST(old_file_is_replaced_only_once_recording) {
    XvfbServer x({320, 240, 24});
    const std::string precious(20000, 'p');
    {
        SmallDisk disk(256);
        write_file(disk.path("old.mkv"), precious);
        disk.fill("filler");
        ChildProcess *r = recorder(x, {"-y", "-t", "2", disk.path("old.mkv")});
        const int status = r->wait();
        fail_unless(status == 1, "exit %d: %s", status, r->output().c_str());
        fail_unless(file_bytes(disk.path("old.mkv")) == precious, "the old file was changed");
        fail_unless_text(disk.listing(), "filler\nold.mkv\n");
        delete r;
    }
    const std::string file = temp_path("old.mkv");
    write_file(file, precious);
    ChildProcess *r = recorder(x, {"-y", "-t", "1", file});
    fail_unless(r->wait() == 0, "%s", r->output().c_str());
    delete r;
    fail_unless(contains(probe(file, "", "format=format_name"), "matroska"), "not replaced");
    write_file(file, precious);
    r = recorder(x, {"-y", file});
    ScreenPainter p(x.display());
    p.animate(2.5, true);
    r->signal(SIGKILL);
    r->wait();
    delete r;
    fail_unless(stream_end(file, "v:0") > 1.0, "the killed recording is not under its name");
    const std::string hidden = file.substr(file.rfind('/') + 1) + ".xshm-record-";
    fail_unless_text(command_output("ls -A '" + std::string(g_get_tmp_dir()) + "' | grep -c '" +
                                    hidden + "' || true"),
                     "0\n");
    unlink(file.c_str());
}
GST_END_TEST;

// A disk that fills: the recorder stops within 3 s, says "disk full" naming
// the file, exits 1, and its summary says what the file holds.
GST_START_TEST(full_disk_stops_at_once_and_says_so) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    for (const char *name : {"full.mkv", "full.webm"}) {
        SmallDisk disk(400);
        const std::string file = disk.path(name);
        ChildProcess *r = recorder(x, {"--no-pointer", "--quality", "4", "--preset", "ultrafast",
                                       "--keyint", "0.5", file});
        gint64 last_growth = g_get_monotonic_time();
        struct stat st {};
        off_t size = 0;
        int status = -1;
        for (uint32_t seed = 1; status < 0 && seed < 600; ++seed) {
            p.paint_pattern(seed);
            p.sync();
            if (stat(file.c_str(), &st) == 0 && st.st_size != size) {
                size = st.st_size;
                last_growth = g_get_monotonic_time();
            }
            status = r->wait(50);
        }
        const double took = (g_get_monotonic_time() - last_growth) / 1e6;
        const std::string output = r->output();
        delete r;
        fail_unless(status == 1, "%s: exit %d: %s", name, status, output.c_str());
        fail_unless(took <= 3.0, "%s: stopped %.1f s after the disk filled", name, took);
        fail_unless(contains(output, "disk full") && contains(output, file), "%s: %s", name,
                    output.c_str());
        const Summary s = summary_of(output);
        const double held = stream_end(file, "v:0") - video_frames(file).front().pts;
        fail_unless(s.found && std::abs(s.seconds - held) <= 0.25,
                    "%s: the summary says %.2f s, the file holds %.2f s: %s", name, s.seconds, held,
                    output.c_str());
    }
}
GST_END_TEST;

// The output's directory removed mid-recording: the recorder says the file is
// gone and exits 1, instead of reporting what it wrote.
GST_START_TEST(deleted_output_is_reported) {
    XvfbServer x({320, 240, 24});
    gchar *dir = g_dir_make_tmp("xshm-gone-XXXXXX", nullptr);
    const std::string file = std::string(dir) + "/gone.mkv";
    ChildProcess *r = recorder(x, {file});
    g_usleep(1500000);
    command_output(std::string("rm -rf '") + dir + "'");
    g_usleep(500000);
    r->signal(SIGINT);
    const int status = r->wait();
    const std::string output = r->output();
    delete r;
    g_free(dir);
    fail_unless(status == 1, "exit %d: %s", status, output.c_str());
    fail_unless(contains(output, "deleted") && !contains(output, "wrote "), "%s", output.c_str());
}
GST_END_TEST;

// With --audio the file lasts what was asked (±0.1 s), the picture keeps
// moving from the start, and no frame waits for the sound; a source that
// does not exist is refused before anything is written, naming it.
GST_START_TEST(audio_recordings_last_what_was_recorded) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    PulseServer pulse("xshmtrust");
    ChildProcess tone({"gst-launch-1.0", "-q", "audiotestsrc", "is-live=true", "freq=440", "!",
                       "pulsesink", "device=xshmtrust"});
    g_usleep(500000);
    const struct {
        const char *name, *seconds;
    } cases[] = {{"audio5.mkv", "5"}, {"audio2.mp4", "2"}};
    for (const auto &c : cases) {
        const std::string file = temp_path(c.name);
        ChildProcess *r =
            recorder(x, {"--no-pointer", "-t", c.seconds, "--audio=xshmtrust.monitor", file});
        int status = -1;
        for (int i = 0; status < 0 && i < 300; ++i) {
            p.fill_rect(0, 0, 320, 240, i % 2 ? 0xd04020 : 0x2040d0);
            p.sync();
            status = r->wait(100);
        }
        const std::string output = r->output();
        delete r;
        fail_unless(status == 0, "%s: exit %d: %s", c.name, status, output.c_str());
        fail_unless(!contains(output, "max-slots"), "%s: %s", c.name, output.c_str());
        const double asked = std::atof(c.seconds);
        const double duration = probe_seconds(file, "", "format=duration");
        const double audio = stream_end(file, "a:0"), video = stream_end(file, "v:0");
        fail_unless(std::abs(duration - asked) <= 0.1 && std::abs(audio - asked) <= 0.15 &&
                        std::abs(video - asked) <= 0.15,
                    "%s: asked %.1f s: file %.3f s, audio %.3f s, video %.3f s", c.name, asked,
                    duration, audio, video);
        const std::vector<VideoFrame> frames = video_frames(file);
        for (std::size_t i = 1; i < frames.size(); ++i)
            fail_unless(frames[i].pts - frames[i - 1].pts < 0.3,
                        "%s: the picture stands still from %.2f s to %.2f s", c.name,
                        frames[i - 1].pts, frames[i].pts);
        unlink(file.c_str());
    }
    const std::string file = temp_path("nosuch.mkv");
    ChildProcess *r = recorder(x, {"-t", "2", "--audio=nosuch", file});
    const int status = r->wait();
    const std::string output = r->output();
    delete r;
    fail_unless(status == 2, "exit %d: %s", status, output.c_str());
    fail_unless(contains(output, "--audio") && contains(output, "'nosuch'") &&
                    contains(output, "xshmtrust.monitor"),
                "%s", output.c_str());
    fail_unless(!exists(file), "a file was left");
    tone.signal(SIGTERM);
    tone.wait(5000);
}
GST_END_TEST;

// Each codec records at both ends of its --quality range (libvpx refused
// levels under its min-quantizer: "Failed to encode frame").
GST_START_TEST(every_quality_in_range_records) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    using xshm_record::Codec;
    Recorders recorders;
    for (const Codec codec : {Codec::H264, Codec::Vp8, Codec::Vp9}) {
        const auto range = xshm_record::quality_range(codec);
        fail_unless(range.has_value());
        for (const int q : {range->low, range->high})
            recorders.start(x,
                            std::string(xshm_record::codec_name(codec)) + "-" + std::to_string(q) +
                                (codec == Codec::H264 ? ".mkv" : ".webm"),
                            {"-t", "3", "--codec", xshm_record::codec_name(codec), "--quality",
                             std::to_string(q)});
    }
    recorders.wait_until_recording();
    p.animate(1.0, true);
    recorders.finish(false);
    const std::vector<std::string> &files = recorders.files;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string complaints = decode_complaints(files[i]);
        fail_unless(complaints.empty() && video_frames(files[i]).size() > 2, "%s: %s",
                    files[i].c_str(), complaints.c_str());
        unlink(files[i].c_str());
    }
}
GST_END_TEST;

// A killed MP4 (fragments, never finalised): its header says how long it
// plays, within a fragment (--keyint), not the first fragment's length.
GST_START_TEST(killed_mp4_says_how_long_it_plays) {
    XvfbServer x({320, 240, 24});
    ScreenPainter p(x.display());
    Recorders recorders;
    recorders.start(x, "killed.mp4", {"--keyint", "1"});
    const std::string &file = recorders.files[0];
    recorders.wait_until_recording();
    p.animate(4.0, true);
    recorders.running[0]->signal(SIGKILL);
    recorders.running[0]->wait();
    const double said = file_duration(file) / 1e9, plays = stream_end(file, "v:0");
    unlink(file.c_str());
    // Several 1 s fragments: the old header said the first one's length.
    fail_unless(plays > 2.5 && std::abs(said - plays) <= 1.1,
                "the header says %.2f s, the file plays %.2f s", said, plays);
}
GST_END_TEST;

// A --keyint shorter than a frame time (--fps 5: 0.2 s): every frame is a
// keyframe, a still screen included.
GST_START_TEST(keyint_under_a_frame_time_keys_every_frame) {
    PaintedScreen x({320, 240, 24}, Solid{0x206020});
    Recorders recorders;
    recorders.start(x, "short-keyint.mkv", {"-t", "2", "--keyint", "0.1", "--fps", "5"});
    recorders.finish(false);
    const std::vector<VideoFrame> frames = video_frames(recorders.files[0]);
    unlink(recorders.files[0].c_str());
    fail_unless(frames.size() >= 10, "%zu frames", frames.size());
    for (const VideoFrame &f : frames)
        fail_unless(f.key, "the frame at %.3f s is not a keyframe", f.pts);
}
GST_END_TEST;

#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(keyframes_on_time_in_every_recording)                                                \
    XSHM_CASE(keyint_under_a_frame_time_keys_every_frame)                                          \
    XSHM_CASE(resolution_change_keeps_the_file_size)                                               \
    XSHM_CASE(resized_window_keeps_the_file_size)                                                  \
    XSHM_CASE(old_file_is_replaced_only_once_recording)                                            \
    XSHM_CASE(full_disk_stops_at_once_and_says_so)                                                 \
    XSHM_CASE(deleted_output_is_reported)                                                          \
    XSHM_CASE(audio_recordings_last_what_was_recorded)                                             \
    XSHM_CASE(every_quality_in_range_records)                                                      \
    XSHM_CASE(killed_mp4_says_how_long_it_plays)

XSHM_SUITE(trust, 150)
