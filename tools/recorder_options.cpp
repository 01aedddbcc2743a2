// SPDX-License-Identifier: LGPL-2.1-or-later
#include "recorder_options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "output_format.h"

namespace xshm_record {
namespace {

using Setter = std::function<std::string(RecorderOptions &, const std::string &)>;

struct OptionSpec {
    const char *long_name;
    char short_name; // 0: none
    bool takes_value;
    Setter set;
};

bool parse_number(const std::string &text, double *value) {
    if (text.empty())
        return false;
    char *end = nullptr;
    errno = 0;
    *value = std::strtod(text.c_str(), &end);
    return errno == 0 && end == text.c_str() + text.size() && std::isfinite(*value);
}

bool parse_whole(const std::string &text, long *value) {
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-'))
        return false;
    char *end = nullptr;
    errno = 0;
    *value = std::strtol(text.c_str(), &end, 10);
    return errno == 0 && end == text.c_str() + text.size();
}

// "2678400 (31 days)", "0.1".
std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    const double days = seconds / 86400;
    return seconds == std::floor(seconds)
               ? std::to_string(long(seconds)) +
                     (days >= 1 ? " (" + std::to_string(long(days)) + " days)" : "")
               : text;
}

// Seconds in (0, high] when `low` is 0, else in [low, high]: named in the
// error by `option`, with the bounds.
std::string set_seconds(const char *option, const std::string &text, double low, double high,
                        double *out) {
    double value = 0;
    if (parse_number(text, &value) && (low > 0 ? value >= low : value > 0) && value <= high) {
        *out = value;
        return "";
    }
    return std::string(option) + " takes " +
           (low > 0 ? "seconds from " + seconds_text(low) + " to "
                    : std::string("a positive number of seconds up to ")) +
           seconds_text(high) + ", not '" + text + "'";
}

std::string set_whole(const char *option, const std::string &text, long low, long high, long *out) {
    long value = 0;
    if (!parse_whole(text, &value) || value < low || value > high)
        return std::string(option) + " takes a whole number from " + std::to_string(low) + " to " +
               std::to_string(high) + ", not '" + text + "'";
    *out = value;
    return "";
}

// One number of a geometry, at most X's largest coordinate; advances `p`.
bool geometry_number(const char *&p, unsigned *value) {
    if (!std::isdigit(static_cast<unsigned char>(*p)))
        return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(p, &end, 10);
    if (errno != 0 || v > kMaxCoordinate)
        return false;
    *value = unsigned(v);
    p = end;
    return true;
}

// X geometry as slop and FFmpeg users write it: WxH+X+Y.
std::string set_region(RecorderOptions &o, const std::string &text) {
    unsigned n[4] = {0, 0, 0, 0};
    const char separators[] = {'x', '+', '+', '\0'};
    const char *p = text.c_str();
    bool ok = true;
    for (int i = 0; i < 4 && ok; ++i)
        ok = geometry_number(p, &n[i]) && *p++ == separators[i];
    if (!ok || n[0] == 0 || n[1] == 0)
        return "--region takes WIDTHxHEIGHT+X+Y (e.g. 1280x720+0+0, each at most " +
               std::to_string(kMaxCoordinate) + "), not '" + text + "'";
    o.region = text;
    o.region_width = n[0];
    o.region_height = n[1];
    o.region_x = int(n[2]);
    o.region_y = int(n[3]);
    return "";
}

std::string set_file(RecorderOptions &o, const std::string &file) {
    if (!o.file.empty())
        return "only one output file can be given ('" + o.file + "' and '" + file + "')";
    if (file.empty())
        return "the output file name is empty";
    o.file = file;
    return "";
}

std::string set_codec(RecorderOptions &o, const std::string &text) {
    o.codec = codec_from_name(text);
    return o.codec ? "" : "--codec takes h264, vp8, vp9 or ffv1, not '" + text + "'";
}

// Any whole number here: its range is the codec's (checked in choose_output).
std::string set_quality(RecorderOptions &o, const std::string &text) {
    long value = 0;
    if (!parse_whole(text, &value) || value < INT_MIN || value > INT_MAX)
        return "--quality takes a whole number on the codec's scale: " + quality_ranges_text() +
               "; not '" + text + "'";
    o.quality = int(value);
    return "";
}

std::string set_preset(RecorderOptions &o, const std::string &text) {
    const auto &presets = x264_presets();
    if (std::find(presets.begin(), presets.end(), text) != presets.end()) {
        o.preset = text;
        return "";
    }
    std::string list;
    for (const std::string &p : presets)
        list += (list.empty() ? "" : ", ") + p;
    return "--preset takes one of " + list + ", not '" + text + "'";
}

// Seconds within bounds (see set_seconds).
Setter seconds(const char *option, double low, double high, double RecorderOptions::*field) {
    return [=](RecorderOptions &o, const std::string &v) {
        return set_seconds(option, v, low, high, &(o.*field));
    };
}

// A whole number within [low, high].
template <typename T>
Setter whole(const char *option, long low, long high, T RecorderOptions::*field) {
    return [=](RecorderOptions &o, const std::string &v) {
        long n = 0;
        std::string e = set_whole(option, v, low, high, &n);
        o.*field = T(n);
        return e;
    };
}

// An option without a value that sets one field.
Setter sets(bool RecorderOptions::*field, bool value) {
    return [field, value](RecorderOptions &o, const std::string &) {
        o.*field = value;
        return std::string();
    };
}

// A name stored as given. Empty is refused with `needs`: unset, it would
// mean $DISPLAY or the whole screen, more than was asked for.
Setter name(std::string RecorderOptions::*field, const char *needs) {
    return [field, needs](RecorderOptions &o, const std::string &v) {
        o.*field = v;
        return v.empty() ? std::string(needs) : std::string();
    };
}

const std::vector<OptionSpec> &option_specs() {
    static const std::vector<OptionSpec> specs = {
        {"duration", 't', true,
         seconds("-t/--duration", 0, kMaxDuration, &RecorderOptions::duration)},
        {"output", 'o', true, set_file},
        {"display", 0, true,
         name(&RecorderOptions::display,
              "--display needs an X display name, e.g. :0 (without --display: $DISPLAY)")},
        {"monitor", 0, true,
         name(&RecorderOptions::monitor, "--monitor needs a monitor: primary, a name or an "
                                         "index; --list-monitors lists them")},
        {"window", 0, true,
         name(&RecorderOptions::window,
              "--window needs a window id or name; --list-windows lists them")},
        {"region", 0, true, set_region},
        {"fps", 0, true, whole("--fps", 1, kMaxFps, &RecorderOptions::fps)},
        {"cfr", 0, false, sets(&RecorderOptions::constant_rate, true)},
        {"codec", 0, true, set_codec},
        {"preset", 0, true, set_preset},
        {"bitrate", 0, true,
         whole("--bitrate (kbit/s)", 1, kMaxBitrate, &RecorderOptions::bitrate_kbps)},
        {"quality", 0, true, set_quality},
        {"keyint", 0, true, seconds("--keyint", kMinKeyint, kMaxKeyint, &RecorderOptions::keyint)},
        {"chroma", 0, true,
         [](RecorderOptions &o, const std::string &v) {
             o.chroma444 = v == "444";
             return v == "420" || v == "444" ? std::string()
                                             : "--chroma takes 420 or 444, not '" + v + "'";
         }},
        {"no-pointer", 0, false, sets(&RecorderOptions::pointer, false)},
        {"no-hardware", 0, false, sets(&RecorderOptions::hardware, false)},
        {"quiet", 'q', false, sets(&RecorderOptions::quiet, true)},
        {"overwrite", 'y', false, sets(&RecorderOptions::overwrite, true)},
        {"list-monitors", 0, false, sets(&RecorderOptions::list_monitors, true)},
        {"list-windows", 0, false, sets(&RecorderOptions::list_windows, true)},
        {"help", 'h', false, sets(&RecorderOptions::help, true)},
    };
    return specs;
}

const OptionSpec *find_spec(const std::string &long_name, char short_name) {
    for (const OptionSpec &spec : option_specs())
        if ((short_name && spec.short_name == short_name) ||
            (!short_name && long_name == spec.long_name))
            return &spec;
    return nullptr;
}

// --audio takes its device only as --audio=DEVICE, so that "--audio FILE"
// stays clear. Whether `arg` is --audio; `error` says what was wrong with it.
bool parse_audio(const std::string &arg, RecorderOptions &o, std::string *error) {
    if (arg != "--audio" && arg.rfind("--audio=", 0) != 0)
        return false;
    o.audio = true;
    o.audio_device = arg.size() > 8 ? arg.substr(8) : "";
    if (arg == "--audio=")
        *error = "--audio= needs a device name (pactl list short sources lists them); "
                 "--audio alone records the default source";
    return true;
}

std::string check_together(const RecorderOptions &o) {
    if (o.help || o.list_monitors || o.list_windows)
        return "";
    if (o.file.empty())
        return "no output file given (e.g. xshm-record screen.mp4; --help lists the options)";
    if (!o.monitor.empty() && !o.window.empty())
        return "--monitor and --window cannot be used together: record one or the other";
    if (o.quality && o.bitrate_kbps)
        return "--quality and --bitrate cannot be used together: a constant quality or a bit rate";
    return "";
}

} // namespace

ParsedOptions parse_options(const std::vector<std::string> &arguments) {
    ParsedOptions parsed;
    RecorderOptions &o = parsed.options;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string &arg = arguments[i];
        if (parse_audio(arg, o, &parsed.error)) {
            if (!parsed.error.empty())
                return parsed;
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            parsed.error = set_file(o, arg);
            if (!parsed.error.empty())
                return parsed;
            continue;
        }
        const bool is_long = arg.rfind("--", 0) == 0;
        const std::size_t equals = arg.find('=');
        const std::string name =
            is_long ? arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2)
                    : "";
        const OptionSpec *spec = is_long           ? find_spec(name, 0)
                                 : arg.size() == 2 ? find_spec("", arg[1])
                                                   : nullptr;
        if (spec == nullptr) {
            parsed.error = "unknown option '" + arg + "' (--help lists the options)";
            return parsed;
        }
        std::string value;
        if (spec->takes_value) {
            if (is_long && equals != std::string::npos) {
                value = arg.substr(equals + 1);
            } else if (i + 1 < arguments.size()) {
                value = arguments[++i];
            } else {
                parsed.error = "option '" + arg + "' needs a value";
                return parsed;
            }
        } else if (is_long && equals != std::string::npos) {
            parsed.error = "option '--" + name + "' takes no value";
            return parsed;
        }
        parsed.error = spec->set(o, value);
        if (!parsed.error.empty())
            return parsed;
    }
    parsed.error = check_together(o);
    return parsed;
}

std::string usage_text() {
    return R"(Usage: xshm-record [OPTIONS] FILE
Records an X11 screen (or a monitor, a window, a region) to FILE. The container
follows the name: .mkv (Matroska, H.264), .mp4 (MP4, H.264), .webm (WebM, VP8).
Frames are written only when the screen changed (at most --fps a second), and the
file lasts until the recording is stopped: Ctrl-C, SIGTERM, SIGHUP or -t.
Nothing but what was asked is recorded: a picture smaller than the file takes
is refused (the error says the smallest), one larger than the codec takes is
scaled down to fit (the start says so).

What to record (default: the whole screen of $DISPLAY):
      --display NAME       X display, e.g. :0
      --monitor M          a monitor: primary, a RandR monitor or output name, an index
      --window W           a window: its id (0x1e00003) or its name
      --region WxH+X+Y     a rectangle (inside the monitor or window when one is given)
      --list-monitors      list the monitors and exit
      --list-windows       list the named windows and exit
      --no-pointer         leave the mouse pointer out
Rate and codec:
      --fps N              the most frames a second, 1-)" +
           std::to_string(kMaxFps) + R"( (default 30)
      --cfr                a constant rate of --fps frames a second (for video editors)
      --codec C            h264, vp8, vp9 or ffv1 (lossless, .mkv only)
      --preset P           x264 speed preset, ultrafast ... veryslow (default veryfast)
      --quality Q          constant quality, lower is better:
                           )" +
           quality_ranges_text("\n                           ") + R"(
      --bitrate KBPS       a bit rate instead of a quality, 1-)" +
           std::to_string(kMaxBitrate) + R"( kbit/s
      --keyint SECONDS     a keyframe at least this often, still stretches included,
                           )" +
           seconds_text(kMinKeyint) + "-" + seconds_text(kMaxKeyint) + R"( (default 2)
      --chroma 420|444     colour resolution: 420 plays everywhere (default), 444 keeps
                           coloured text sharp (h264 High 4:4:4 or vp9 profile 1)
      --no-hardware        use x264 even where a hardware H.264 encoder exists
Audio:
      --audio[=DEVICE]     record PulseAudio/PipeWire audio too (default: the default source)
Other:
  -o, --output FILE        the file to write (or give it last)
  -t, --duration SECONDS   stop after this long, at most )" +
           seconds_text(kMaxDuration) + R"(
  -y, --overwrite          replace FILE if it exists
  -q, --quiet              no progress line and no summary
  -h, --help               this text
Exit status: 0 recorded; 1 the recording failed; 2 bad options or target, nothing written.
)";
}

const char *codec_name(Codec codec) {
    switch (codec) {
    case Codec::H264: return "h264";
    case Codec::Vp8: return "vp8";
    case Codec::Vp9: return "vp9";
    case Codec::Ffv1: return "ffv1";
    }
    return "?";
}

std::optional<Codec> codec_from_name(const std::string &name) {
    for (Codec c : {Codec::H264, Codec::Vp8, Codec::Vp9, Codec::Ffv1})
        if (name == codec_name(c))
            return c;
    return std::nullopt;
}

const std::vector<std::string> &x264_presets() {
    static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast",
                                                     "faster",    "fast",      "medium",
                                                     "slow",      "slower",    "veryslow"};
    return presets;
}

std::optional<uint32_t> window_id(const std::string &window) {
    if (window.empty())
        return std::nullopt;
    const bool hex = window.rfind("0x", 0) == 0 || window.rfind("0X", 0) == 0;
    const std::string digits = hex ? window.substr(2) : window;
    if (digits.empty() || digits.size() > (hex ? 8u : 10u))
        return std::nullopt;
    for (char c : digits)
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(c))
                  : std::isdigit(static_cast<unsigned char>(c))))
            return std::nullopt;
    const unsigned long long id = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
    if (id == 0 || id > UINT32_MAX)
        return std::nullopt;
    return uint32_t(id);
}

} // namespace xshm_record
