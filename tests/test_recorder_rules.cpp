// SPDX-License-Identifier: LGPL-2.1-or-later
// xshm-record's rules without running it: options, containers and codecs,
// the encoder it picks (with and without hardware), what it prints.
#include <cmath>
#include <set>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "capture_target.h"
#include "encoder_choice.h"
#include "error.h"
#include "output_file.h"
#include "output_format.h"
#include "progress_line.h"
#include "recorder_options.h"
#include "support/child_process.h"
#include "support/expectations.h"

// Last: GstCheck defines a fail() macro that C++ stream headers must not see.
#include <gst/check/gstcheck.h>

#include "support/check_main.h"

using namespace xshm_record;
using xshm_test::contains;

namespace {

ParsedOptions parse(const std::vector<std::string> &args) { return parse_options(args); }

std::string property(const EncoderPlan &plan, const std::string &name) {
    for (const auto &p : plan.properties)
        if (p.first == name)
            return p.second;
    return "";
}

// An "available elements" set standing for a machine.
std::function<bool(const std::string &)> machine(std::set<std::string> elements) {
    return [elements](const std::string &f) { return elements.count(f) > 0; };
}

} // namespace

GST_START_TEST(options_are_read_and_checked) {
    ParsedOptions p = parse({"-t",           "2.5",      "--display", ":3",
                             "--monitor",    "primary",  "--region",  "1280x720+10+20",
                             "--fps",        "60",       "--cfr",     "--codec",
                             "vp9",          "--preset", "ultrafast", "--quality",
                             "30",           "--keyint", "1",         "--audio=mic",
                             "--no-pointer", "-q",       "-y",        "out.webm"});
    fail_unless(p.error.empty(), "%s", p.error.c_str());
    const RecorderOptions &o = p.options;
    fail_unless(o.duration == 2.5 && o.display == ":3" && o.monitor == "primary");
    fail_unless(o.region_width == 1280 && o.region_height == 720 && o.region_x == 10 &&
                o.region_y == 20);
    fail_unless(o.fps == 60 && o.constant_rate && o.codec == Codec::Vp9 && o.preset == "ultrafast");
    fail_unless(o.quality == 30 && o.keyint == 1 && o.audio && o.audio_device == "mic");
    fail_unless(!o.pointer && o.quiet && o.overwrite && o.file == "out.webm");
    fail_unless(parse({"--audio", "a.mkv"}).options.audio_device.empty()); // the file stays a file
    fail_unless_text(parse({"-o", "x.mkv"}).options.file, "x.mkv");
    fail_unless(parse({"--list-monitors"}).error.empty(), "a listing needs no file");
}
GST_END_TEST;

GST_START_TEST(bad_options_are_named) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-t", "0", "a.mkv"},
         "-t/--duration takes a positive number of seconds up to 2678400 (31 days), not '0'"},
        {{"-t", "-1", "a.mkv"}, "not '-1'"},
        {{"-t", "abc", "a.mkv"}, "not 'abc'"},
        {{"a.mkv", "-t"}, "option '-t' needs a value"},
        {{"--fps", "0", "a.mkv"}, "--fps takes a whole number from 1 to 1000, not '0'"},
        {{"--region", "10x10", "a.mkv"}, "--region takes WIDTHxHEIGHT+X+Y"},
        {{"--region", "0x10+0+0", "a.mkv"}, "not '0x10+0+0'"},
        {{"--region", "10x10+-5+0", "a.mkv"}, "not '10x10+-5+0'"},
        {{"--codec", "h265", "a.mkv"}, "--codec takes h264, vp8, vp9 or ffv1, not 'h265'"},
        {{"--preset", "fastest", "a.mkv"}, "--preset takes one of ultrafast"},
        {{"--quality", "x9", "a.mkv"}, "--quality takes a whole number on the codec's scale: h264"},
        {{"--bogus", "a.mkv"}, "unknown option '--bogus'"},
        {{"--cfr=yes", "a.mkv"}, "option '--cfr' takes no value"},
        {{"--chroma", "422", "a.mkv"}, "--chroma takes 420 or 444, not '422'"},
        {{"a.mkv", "b.mkv"}, "only one output file"},
        {{"--monitor", "0", "--window", "xterm", "a.mkv"}, "--monitor and --window cannot"},
        {{"-t", "5"}, "no output file given"},
    };
    for (const auto &c : cases) {
        const std::string error = parse(c.first).error;
        fail_unless(contains(error, c.second), "expected '%s', got '%s'", c.second.c_str(),
                    error.c_str());
    }
    fail_unless(window_id("0x1e00003") == 0x1e00003u && window_id("31457283") == 31457283u);
    fail_unless(!window_id("xterm") && !window_id("0x") && !window_id("0"));
}
GST_END_TEST;

// An empty name would mean "unset": $DISPLAY, the whole screen, the default source.
GST_START_TEST(empty_names_are_refused) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--window", "", "a.mkv"},
         "--window needs a window id or name; --list-windows lists them"},
        {{"--window=", "a.mkv"}, "--window needs a window id or name"},
        {{"--monitor", "", "a.mkv"},
         "--monitor needs a monitor: primary, a name or an index; --list-monitors lists them"},
        {{"--display", "", "a.mkv"}, "--display needs an X display name, e.g. :0"},
        {{"--audio=", "a.mkv"}, "--audio= needs a device name (pactl list short sources"},
    };
    for (const auto &c : cases) {
        const std::string error = parse(c.first).error;
        fail_unless(contains(error, c.second), "expected '%s', got '%s'", c.second.c_str(),
                    error.c_str());
    }
}
GST_END_TEST;

// Every number has bounds the encoders, muxers and timers take, said in the error.
GST_START_TEST(numbers_are_bounded) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-t", "1e16", "a.mkv"}, "up to 2678400 (31 days), not '1e16'"},
        {{"-t", "2678400.5", "a.mkv"}, "not '2678400.5'"},
        {{"--keyint", "1e9", "a.mkv"}, "--keyint takes seconds from 0.1 to 3600, not '1e9'"},
        {{"--keyint", "0.05", "a.mkv"}, "not '0.05'"},
        {{"--fps", "1001", "a.mkv"}, "--fps takes a whole number from 1 to 1000"},
        {{"--bitrate", "1000001", "a.mkv"}, "from 1 to 1000000, not '1000001'"},
        {{"--region", "32768x10+0+0", "a.mkv"}, "each at most 32767), not '32768x10+0+0'"},
        // Once wrapped around to end at column 0: to the screen's edge.
        {{"--region", "4294967295x10+2+0", "a.mkv"}, "not '4294967295x10+2+0'"},
        {{"--region", "10x10+0+99999999999", "a.mkv"}, "not '10x10+0+99999999999'"},
        {{"--quality", "20", "--bitrate", "900", "a.mkv"}, "cannot be used together"},
    };
    for (const auto &c : cases) {
        const std::string error = parse(c.first).error;
        fail_unless(contains(error, c.second), "expected '%s', got '%s'", c.second.c_str(),
                    error.c_str());
    }
    ParsedOptions p = parse({"-t", "2678400", "--keyint", "0.1", "--fps", "1000", "--bitrate",
                             "1000000", "--region", "32767x32767+32767+0", "a.mkv"});
    fail_unless(p.error.empty(), "%s", p.error.c_str());
    fail_unless(parse({"--keyint", "3600", "a.mkv"}).error.empty());
    // The help says the bounds.
    for (const char *bound :
         {"at most 2678400 (31 days)", "0.1-3600", "1-1000000 kbit/s", "1-1000 (default 30)"})
        fail_unless(contains(usage_text(), bound), "--help does not say '%s'", bound);
}
GST_END_TEST;

GST_START_TEST(quality_has_each_codec_range) {
    RecorderOptions o;
    std::string error;
    const std::vector<std::tuple<std::string, Codec, int, bool>> cases = {
        {"a.mkv", Codec::H264, 0, true},   {"a.mkv", Codec::H264, 50, true},
        {"a.mkv", Codec::H264, 51, false}, {"a.mp4", Codec::H264, 55, false},
        {"a.webm", Codec::Vp8, 63, true},  {"a.webm", Codec::Vp8, 64, false},
        {"a.webm", Codec::Vp9, -1, false}, {"a.mkv", Codec::Vp9, 0, true},
    };
    for (const auto &c : cases) {
        o.file = std::get<0>(c);
        o.codec = std::get<1>(c);
        o.quality = std::get<2>(c);
        const bool ok = choose_output(o, &error).has_value();
        fail_unless(ok == std::get<3>(c), "%s --quality %d: %s", codec_name(std::get<1>(c)),
                    std::get<2>(c), error.c_str());
    }
    o.file = "a.mp4";
    o.codec = Codec::H264;
    o.quality = 55;
    fail_unless(!choose_output(o, &error));
    fail_unless_text(error, "--quality 55 is out of range for h264 (0-50, x264 CRF)");
    o.file = "a.mkv";
    o.codec = Codec::Ffv1;
    fail_unless(!choose_output(o, &error) && contains(error, "--quality does not apply to ffv1"));
    o.quality.reset();
    o.bitrate_kbps = 5000;
    fail_unless(!choose_output(o, &error) && contains(error, "--bitrate does not apply to ffv1"));
    fail_unless(!quality_range(Codec::Ffv1) && quality_range(Codec::Vp9)->high == 63);
    fail_unless(default_quality(Codec::H264) == 23 && default_quality(Codec::Vp8) == 12);
    fail_unless(contains(usage_text(), "h264 0-50 (x264 CRF, default 23)\n") &&
                    contains(usage_text(), "vp8 0-63 (libvpx cq-level, default 12)\n"),
                "--help does not say the ranges: %s", usage_text().c_str());
}
GST_END_TEST;

GST_START_TEST(picture_limits_of_each_output) {
    OutputFormat f; // Matroska, H.264
    PictureLimits l = picture_limits(f);
    fail_unless(l.min_side == 2 && l.even && l.codec == "H.264" && l.smallest_by == "Matroska");
    f.container = Container::Mp4;
    fail_unless(picture_limits(f).min_side == 16);
    f.chroma444 = true;
    fail_unless(!picture_limits(f).even);
    f = OutputFormat();
    f.container = Container::WebM;
    f.codec = Codec::Vp8;
    l = picture_limits(f);
    fail_unless(l.min_side == 16 && l.smallest_by == "WebM" && l.max_side == 16383);

    // Each codec's largest, as measured (README "Picture sizes").
    struct Case {
        Codec codec;
        unsigned width, height;
        bool fits;
    };
    const Case cases[] = {
        {Codec::H264, 16384, 16, true},    {Codec::H264, 16386, 16, false},  // x264's side
        {Codec::H264, 8704, 4096, true},   {Codec::H264, 8720, 4096, false}, // 139264 MBs
        {Codec::H264, 2, 2, true},         {Codec::H264, 16384, 16384, false},
        {Codec::H264, 1, 2, false},        {Codec::H264, 17, 16, false}, // 4:2:0: even
        {Codec::Vp8, 16382, 16, true},     {Codec::Vp8, 16384, 16, false},
        {Codec::Vp8, 16254, 16254, true},  {Codec::Vp8, 16256, 16256, false}, // FFmpeg's bound
        {Codec::Vp9, 16384, 16, true},     {Codec::Vp9, 16386, 16, false},
        {Codec::Vp9, 8192, 4352, true},    {Codec::Vp9, 8194, 4352, false}, // level 6.2
        {Codec::Ffv1, 16255, 16255, true}, {Codec::Ffv1, 16256, 16256, false},
        {Codec::Ffv1, 32767, 7, true},     {Codec::Ffv1, 1, 2, false}, // RGB: odd sizes too
    };
    for (const Case &c : cases) {
        f = OutputFormat();
        f.codec = c.codec;
        fail_unless(fits(picture_limits(f), c.width, c.height) == c.fits, "%s %ux%u",
                    codec_name(c.codec), c.width, c.height);
    }
    f = OutputFormat();
    l = picture_limits(f);
    fail_unless_text(why_too_large(l, 16400, 64), "H.264 takes at most 16384 pixels a side");
    fail_unless_text(why_too_large(l, 8720, 4096),
                     "H.264 takes at most 139264 macroblocks (level 6.2)");
    f.codec = Codec::Ffv1;
    fail_unless(contains(why_too_large(picture_limits(f), 16256, 16256),
                         "FFmpeg's decoders open no FFV1 picture with (width + 128)"));
}
GST_END_TEST;

// Larger than the codec takes: scaled down to fit, the aspect kept; the same
// size when it fits; none when no size of that aspect fits.
GST_START_TEST(larger_pictures_are_scaled_to_fit) {
    OutputFormat f;
    const PictureLimits h264 = picture_limits(f);
    auto same = file_size(h264, 1920, 1080);
    fail_unless(same && same->width == 1920 && same->height == 1080);
    auto wide = file_size(h264, 16400, 64);
    fail_unless(wide && wide->width == 16384 && wide->height == 62, "%ux%u", wide->width,
                wide->height);
    for (const auto &size : std::vector<std::pair<unsigned, unsigned>>{
             {16384, 16384}, {8200, 8200}, {32766, 20000}, {12000, 9000}}) {
        const auto s = file_size(h264, size.first, size.second);
        fail_unless(s.has_value() && fits(h264, s->width, s->height), "%ux%u", size.first,
                    size.second);
        const double aspect = double(size.first) / size.second;
        fail_unless(std::abs(double(s->width) / s->height - aspect) < 0.01 * aspect,
                    "%ux%u -> %ux%u", size.first, size.second, s->width, s->height);
        // Not much smaller than the limit: 139264 macroblocks, 35651584 pixels.
        fail_unless(double(s->width) * s->height > 0.98 * 35651584, "%ux%u -> %ux%u", size.first,
                    size.second, s->width, s->height);
    }
    f.codec = Codec::Ffv1;
    const auto lossless = file_size(picture_limits(f), 32767, 20001);
    fail_unless(lossless && fits(picture_limits(f), lossless->width, lossless->height));
    f.codec = Codec::H264;
    fail_unless(!file_size(h264, 32767, 2), "32767x2 cannot keep its aspect in H.264");
}
GST_END_TEST;

// xshmsrc is set by property names from the options, and what it then says
// of itself (its caps, capture-path, capture-source) decides the file's picture.
GST_START_TEST(capture_target_follows_what_xshmsrc_found) {
    const auto text = [](const PropertyList &list) {
        std::string t;
        for (const auto &p : list)
            t += p.first + "=" + p.second + " ";
        return t;
    };
    RecorderOptions o = parse({"--display", ":3", "--window", "0x1e00003", "--region",
                               "101x99+10+20", "--no-pointer", "a.mkv"})
                            .options;
    OutputFormat f;
    const PictureLimits l = picture_limits(f);
    fail_unless_text(text(source_properties(o, l)),
                     "display-name=:3 xid=31457283 startx=10 starty=20 endx=110 endy=118 "
                     "show-pointer=false skip-unchanged=true ");
    o = parse({"--window", "firefox", "--cfr", "a.mkv"}).options;
    fail_unless_text(text(source_properties(o, l)),
                     "xname=firefox show-pointer=true skip-unchanged=false ");
    o = parse({"--monitor", "HDMI-1", "--region", "15x15+0+0", "a.mp4"}).options;
    f.container = Container::Mp4;
    try {
        source_properties(o, picture_limits(f));
        fail_unless(false, "a region smaller than MP4 takes was set");
    } catch (const xshm::Error &e) {
        fail_unless_text(e.what(), "cannot record monitor 'HDMI-1', region 15x15+0+0: 15x15 is "
                                   "smaller than MP4 takes (16x16 at least)");
    }

    // An odd size loses its last column and row for 4:2:0 (cropped in the
    // pipeline); FFV1 takes it whole.
    o = parse({"--window", "xterm", "a.mkv"}).options;
    SourceReport seen{"window 0x400001 'xterm' of X display ':0'", 641, 481, true, true};
    CaptureTarget t = capture_target(o, l, seen);
    fail_unless_text(t.description, seen.description);
    fail_unless(t.source_width == 641 && t.source_height == 481 && t.width == 640 &&
                t.height == 480 && t.file_width == 640 && t.file_height == 480);
    fail_unless(t.shared_memory && t.converts);
    fail_unless_text(t.note, "recording 640x480 of 641x481: 4:2:0 video needs even sizes");
    f = OutputFormat();
    f.codec = Codec::Ffv1;
    t = capture_target(o, picture_limits(f), seen);
    fail_unless(t.width == 641 && t.height == 481 && t.note.empty());
    // Smaller than the file takes, larger than the codec takes.
    seen = {"window 0x400001 'tiny' of X display ':0'", 10, 10, false, false};
    f = OutputFormat();
    f.container = Container::Mp4;
    try {
        capture_target(o, picture_limits(f), seen);
        fail_unless(false, "a 10x10 window was taken for MP4");
    } catch (const xshm::Error &e) {
        fail_unless_text(e.what(), "cannot record window 'xterm': 10x10 is smaller than MP4 takes "
                                   "(16x16 at least)");
    }
    seen = {"the screen of X display ':0'", 16400, 64, false, false};
    t = capture_target(parse({"a.mkv"}).options, l, seen);
    fail_unless(!t.shared_memory && !t.converts && t.file_width == 16384 && t.file_height == 62);
    fail_unless(contains(t.note, "the screen is 16400x64; H.264 takes at most 16384 pixels a "
                                 "side: recording it scaled to 16384x62"),
                "%s", t.note.c_str());
    fail_unless_text(refusal(o, "no window 'xterm'"), "cannot record window 'xterm': no window "
                                                      "'xterm'");
}
GST_END_TEST;

GST_START_TEST(container_follows_the_file_name) {
    RecorderOptions o;
    std::string error;
    const std::vector<std::tuple<std::string, Container, Codec>> names = {
        {"a.mkv", Container::Matroska, Codec::H264},
        {"dir.x/A.MP4", Container::Mp4, Codec::H264},
        {"a.webm", Container::WebM, Codec::Vp8}};
    for (const auto &n : names) {
        o.file = std::get<0>(n);
        const auto format = choose_output(o, &error);
        fail_unless(format && format->container == std::get<1>(n) &&
                        format->codec == std::get<2>(n),
                    "%s", o.file.c_str());
    }
    o.file = "a.avi";
    fail_unless(!choose_output(o, &error) && contains(error, "unknown extension '.avi'"), "%s",
                error.c_str());
    o.file = "dir.x/noext";
    fail_unless(!choose_output(o, &error) && contains(error, "no file extension"), "%s",
                error.c_str());
    o.file = "a.mp4";
    o.codec = Codec::Vp8;
    fail_unless(!choose_output(o, &error) && contains(error, "--codec vp8 does not go into MP4"),
                "%s", error.c_str());
    o.file = "a.webm";
    o.codec = Codec::H264;
    fail_unless(!choose_output(o, &error) && contains(error, "WebM takes vp8 or vp9"));
    o.file = "a.mkv";
    o.codec = Codec::Ffv1;
    fail_unless(choose_output(o, &error).has_value());
    o.chroma444 = true;
    fail_unless(!choose_output(o, &error) && contains(error, "--chroma 444 needs h264 or vp9"));
    o.file = "a.webm";
    o.codec = Codec::Vp8;
    fail_unless(!choose_output(o, &error) && contains(error, "vp8 is 4:2:0 only"), "%s",
                error.c_str());
    o.codec = Codec::Vp9;
    fail_unless(choose_output(o, &error)->chroma444);
}
GST_END_TEST;

GST_START_TEST(encoder_is_hardware_where_there_is_one) {
    EncoderRequest r;
    r.keyint_frames = 60;
    EncoderPlan plan = choose_encoder(r, machine({}));
    fail_unless_text(plan.factory, "x264enc");
    fail_unless(!plan.hardware && plan.input_format == "I420");
    fail_unless_text(property(plan, "tune"), "zerolatency");
    fail_unless_text(property(plan, "quantizer"), "23");
    fail_unless_text(property(plan, "key-int-max"), "60");
    fail_unless(contains(plan.description, "no hardware H.264 encoder found"));

    plan = choose_encoder(r, machine({"vah264enc", "h264parse"}));
    fail_unless(plan.factory == "vah264enc" && plan.hardware && plan.input_format == "NV12" &&
                plan.parser == "h264parse");
    fail_unless_text(property(plan, "rate-control"), "cqp");
    plan = choose_encoder(r, machine({"nvh264enc", "vah264enc", "vaapih264enc", "h264parse"}));
    fail_unless_text(plan.factory, "nvh264enc");
    plan = choose_encoder(r, machine({"vaapih264enc", "h264parse"}));
    fail_unless_text(plan.factory, "vaapih264enc");
    // Without h264parse a hardware encoder cannot feed MP4: x264 then.
    fail_unless_text(choose_encoder(r, machine({"vah264enc"})).factory, "x264enc");
    r.allow_hardware = false;
    plan = choose_encoder(r, machine({"vah264enc", "h264parse"}));
    fail_unless(plan.factory == "x264enc" && !contains(plan.description, "no hardware"));

    r.allow_hardware = true;
    r.chroma444 = true; // the hardware encoders take NV12 only
    plan = choose_encoder(r, machine({"vah264enc", "h264parse"}));
    fail_unless(plan.factory == "x264enc" && plan.input_format == "Y444");
    r.chroma444 = false;
    r.bitrate_kbps = 4000;
    plan = choose_encoder(r, machine({}));
    fail_unless(property(plan, "pass") == "cbr" && property(plan, "bitrate") == "4000");
    plan = choose_encoder(r, machine({"vah264enc", "h264parse"}));
    fail_unless(property(plan, "rate-control") == "cbr" && property(plan, "bitrate") == "4000");
    // --keyint 3600 at 1000 fps: vah264enc's GOP takes 1024 frames at most, x264's any.
    r.keyint_frames = 3600000;
    fail_unless_text(
        property(plan = choose_encoder(r, machine({"vah264enc", "h264parse"})), "key-int-max"),
        "1024");
    fail_unless_text(property(choose_encoder(r, machine({})), "key-int-max"), "3600000");
}
GST_END_TEST;

GST_START_TEST(other_codecs_and_texts) {
    EncoderRequest r;
    r.codec = Codec::Vp9;
    r.keyint_frames = 30;
    EncoderPlan plan = choose_encoder(r, machine({"vah264enc", "h264parse"}));
    fail_unless(plan.factory == "vp9enc" && property(plan, "deadline") == "1" &&
                property(plan, "end-usage") == "cq" && property(plan, "keyframe-max-dist") == "30");
    r.codec = Codec::Ffv1;
    plan = choose_encoder(r, machine({}));
    fail_unless(plan.factory == "avenc_ffv1" && plan.input_format == "BGRx");

    Progress p;
    p.seconds = 83.5;
    p.frames = 1234;
    p.changed = 1180;
    p.repeated = 54;
    p.dropped = 3;
    p.bytes = 12300000;
    fail_unless_text(status_text(p), "00:01:23  1234 frames (1180 changed, 54 repeated), 3 dropped"
                                     "  12.3 MB  1.2 Mbit/s");
    fail_unless(contains(summary_text("a.mkv", p), "wrote a.mkv: 00:01:23.5, 1234 frames"));
    fail_unless(contains(usage_text(), "Usage: xshm-record [OPTIONS] FILE"));
}
GST_END_TEST;

// The cases: one list, read by this suite and by tests/meson.build.
// -y replaces a regular file through a hidden name beside it (the rename is
// atomic only within one directory); what the recording created, and only
// that, is removed when nothing was recorded.
GST_START_TEST(output_file_replaces_through_a_hidden_name) {
    using xshm_record::OutputFile;
    fail_unless_text(xshm_record::replacement_path("clips/game.mkv", 42),
                     "clips/.game.mkv.xshm-record-42");
    fail_unless_text(xshm_record::replacement_path("talk.mp4", 7), ".talk.mp4.xshm-record-7");
    gchar *dir = g_dir_make_tmp("xshm-out-XXXXXX", nullptr);
    const std::string fresh = std::string(dir) + "/new.mkv", old = std::string(dir) + "/old.mkv",
                      fifo = std::string(dir) + "/pipe.mkv";
    g_file_set_contents(old.c_str(), "old", -1, nullptr);
    mkfifo(fifo.c_str(), 0600);
    const OutputFile made(fresh), replaced(old), piped(fifo);
    fail_unless(made.published() && made.writing_path() == fresh && made.created_path() == fresh);
    fail_unless(!replaced.published() &&
                contains(replaced.writing_path(), "/.old.mkv.xshm-record-") &&
                replaced.created_path() == replaced.writing_path());
    fail_unless(piped.published() && piped.writing_path() == fifo && piped.created_path().empty());
    piped.discard();
    fail_unless(g_file_test(fifo.c_str(), G_FILE_TEST_EXISTS), "a FIFO given was removed");
    OutputFile replacing(old);
    std::string error;
    fail_unless(!replacing.publish(&error) && error.empty(), "published before any byte");
    g_file_set_contents(replacing.writing_path().c_str(), "new", -1, nullptr);
    fail_unless(replacing.publish(&error) && replacing.published() &&
                replacing.writing_path() == old);
    gchar *text = nullptr;
    g_file_get_contents(old.c_str(), &text, nullptr, nullptr);
    fail_unless_text(text, "new");
    g_free(text);
    xshm_test::command_output(std::string("rm -rf '") + dir + "'");
    g_free(dir);
}
GST_END_TEST;

#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(options_are_read_and_checked)                                                        \
    XSHM_CASE(bad_options_are_named)                                                               \
    XSHM_CASE(empty_names_are_refused)                                                             \
    XSHM_CASE(numbers_are_bounded)                                                                 \
    XSHM_CASE(quality_has_each_codec_range)                                                        \
    XSHM_CASE(picture_limits_of_each_output)                                                       \
    XSHM_CASE(larger_pictures_are_scaled_to_fit)                                                   \
    XSHM_CASE(capture_target_follows_what_xshmsrc_found)                                           \
    XSHM_CASE(container_follows_the_file_name)                                                     \
    XSHM_CASE(encoder_is_hardware_where_there_is_one)                                              \
    XSHM_CASE(other_codecs_and_texts)                                                              \
    XSHM_CASE(output_file_replaces_through_a_hidden_name)

XSHM_SUITE(recorder_rules, 60)
