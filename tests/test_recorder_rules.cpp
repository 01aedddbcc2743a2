// SPDX-License-Identifier: LGPL-2.1-or-later
// xshm-record's rules without running it: options, containers and codecs,
// the encoder it picks (with and without hardware), what it prints.
#include <set>
#include <string>
#include <vector>

#include "encoder_choice.h"
#include "output_format.h"
#include "progress_line.h"
#include "recorder_options.h"
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
        {{"-t", "0", "a.mkv"}, "-t/--duration takes a positive number of seconds, not '0'"},
        {{"-t", "-1", "a.mkv"}, "not '-1'"},
        {{"-t", "abc", "a.mkv"}, "not 'abc'"},
        {{"a.mkv", "-t"}, "option '-t' needs a value"},
        {{"--fps", "0", "a.mkv"}, "--fps takes a whole number from 1 to 1000, not '0'"},
        {{"--region", "10x10", "a.mkv"}, "--region takes WIDTHxHEIGHT+X+Y"},
        {{"--region", "0x10+0+0", "a.mkv"}, "not '0x10+0+0'"},
        {{"--region", "10x10+-5+0", "a.mkv"}, "not '10x10+-5+0'"},
        {{"--codec", "h265", "a.mkv"}, "--codec takes h264, vp8, vp9 or ffv1, not 'h265'"},
        {{"--preset", "fastest", "a.mkv"}, "--preset takes one of ultrafast"},
        {{"--quality", "99", "a.mkv"}, "--quality takes a whole number from 0 to 63"},
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
#define XSHM_CASES(XSHM_CASE)                                                                      \
    XSHM_CASE(options_are_read_and_checked)                                                        \
    XSHM_CASE(bad_options_are_named)                                                               \
    XSHM_CASE(container_follows_the_file_name)                                                     \
    XSHM_CASE(encoder_is_hardware_where_there_is_one)                                              \
    XSHM_CASE(other_codecs_and_texts)

XSHM_SUITE(recorder_rules, 60)
