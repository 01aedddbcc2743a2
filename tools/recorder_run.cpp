// SPDX-License-Identifier: LGPL-2.1-or-later
#include "recorder_run.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "progress_line.h"
#include "recording_pipeline.h"

namespace xshm_record {
namespace {

constexpr guint kFinalizeSeconds = 15; // EOS must reach the file by then

bool status_line_shown = false;

// One recording's state; everything runs on the main loop's thread.
struct Run {
    const RecorderOptions &options;
    std::unique_ptr<RecordingPipeline> pipeline;
    GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
    bool show_status = false; // a terminal, and not --quiet
    bool playing = false, stopping = false;
    gint64 started_us = 0;
    std::string failure; // the first error, said at the end
    int status = kRecorded;
    std::vector<guint> timers; // removed when the run ends

    explicit Run(const RecorderOptions &o) : options(o) {}
    ~Run() { g_main_loop_unref(loop); }
};

void clear_status_line() {
    if (status_line_shown)
        std::fputs("\r\033[K", stderr);
    status_line_shown = false;
}

// The sum of xshmsrc's counters named in `fields`, from one read of its stats.
guint64 sum_of(const GstStructure *stats, std::initializer_list<const char *> fields) {
    guint64 sum = 0;
    for (const char *field : fields) {
        guint64 value = 0;
        if (stats != nullptr && gst_structure_get_uint64(stats, field, &value))
            sum += value;
    }
    return sum;
}

Progress progress_of(const Run &run) {
    Progress p;
    p.seconds = run.playing ? (g_get_monotonic_time() - run.started_us) / 1e6 : 0;
    p.frames = run.pipeline->frames_written();
    GstStructure *stats = nullptr;
    g_object_get(run.pipeline->source(), "stats", &stats, nullptr);
    p.changed = sum_of(stats, {"full-captures", "partial-captures"});
    p.repeated = sum_of(stats, {"repeated-frames", "keepalive-frames", "closing-frames"});
    if (stats != nullptr)
        gst_structure_free(stats);
    p.dropped = run.pipeline->frames_dropped();
    struct stat st {};
    if (stat(run.options.file.c_str(), &st) == 0)
        p.bytes = uint64_t(st.st_size);
    return p;
}

gboolean show_status(gpointer data) {
    const Run &run = *static_cast<Run *>(data);
    std::fprintf(stderr, "\r\033[K%s%s", status_text(progress_of(run)).c_str(),
                 run.stopping ? "  (finishing the file)" : "");
    std::fflush(stderr);
    status_line_shown = true;
    return G_SOURCE_CONTINUE;
}

gboolean finalize_timed_out(gpointer data) {
    auto &run = *static_cast<Run *>(data);
    tell("the file was not finished within " + std::to_string(kFinalizeSeconds) +
         " s; stopping anyway");
    run.status = kFailed;
    g_main_loop_quit(run.loop);
    return G_SOURCE_CONTINUE; // removed with the other timers
}

// EOS into the pipeline: the source pushes its closing frame, the muxer
// finishes the file, and EOS on the bus ends the loop.
void stop(Run &run) {
    if (run.stopping)
        return;
    run.stopping = true;
    gst_element_send_event(run.pipeline->pipeline(), gst_event_new_eos());
    run.timers.push_back(g_timeout_add_seconds(kFinalizeSeconds, finalize_timed_out, &run));
}

gboolean stop_after_duration(gpointer data) {
    stop(*static_cast<Run *>(data));
    return G_SOURCE_CONTINUE; // removed with the other timers
}

gboolean on_interrupt(gpointer data) {
    auto &run = *static_cast<Run *>(data);
    if (run.stopping) { // a second Ctrl-C: now, leaving the file as it is
        tell("aborted; " + run.options.file + " is left as it was written so far");
        _exit(kAborted); // not even stopping the pipeline: it may be what hangs
    }
    stop(run);
    return G_SOURCE_CONTINUE;
}

gboolean on_terminate(gpointer data) {
    stop(*static_cast<Run *>(data));
    return G_SOURCE_CONTINUE;
}

void on_playing(Run &run) {
    run.playing = true;
    // The pipeline's running time now: what the file's timestamps count.
    GstClockTime already = gst_element_get_current_running_time(run.pipeline->pipeline());
    if (!GST_CLOCK_TIME_IS_VALID(already))
        already = 0;
    run.started_us = g_get_monotonic_time() - gint64(already / GST_USECOND);
    if (run.options.duration > 0) {
        const double left_ms = run.options.duration * 1000 - already / 1e6;
        run.timers.push_back(
            g_timeout_add(guint(left_ms > 0 ? left_ms : 0), stop_after_duration, &run));
    }
    if (run.show_status)
        run.timers.push_back(g_timeout_add_seconds(1, show_status, &run));
}

std::string message_text(GstMessage *message) {
    GError *error = nullptr;
    gchar *debug = nullptr;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
        gst_message_parse_error(message, &error, &debug);
    else
        gst_message_parse_warning(message, &error, &debug);
    std::string text = error ? error->message : "unknown";
    g_clear_error(&error);
    g_free(debug);
    return text;
}

// An error before anything was written ends at once; after, the file is
// finished with what was recorded (the X server went away, say).
void on_error(Run &run, GstMessage *message) {
    if (run.failure.empty())
        run.failure = message_text(message);
    run.status = kFailed;
    if (!run.pipeline->has_written())
        g_main_loop_quit(run.loop);
    else
        stop(run);
}

gboolean on_bus_message(GstBus *, GstMessage *message, gpointer data) {
    auto &run = *static_cast<Run *>(data);
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS: g_main_loop_quit(run.loop); break;
    case GST_MESSAGE_ERROR: on_error(run, message); break;
    case GST_MESSAGE_WARNING: tell("warning: " + message_text(message)); break;
    case GST_MESSAGE_STATE_CHANGED: {
        GstState now;
        gst_message_parse_state_changed(message, nullptr, &now, nullptr);
        if (GST_MESSAGE_SRC(message) == GST_OBJECT(run.pipeline->pipeline()) &&
            now == GST_STATE_PLAYING && !run.playing)
            on_playing(run);
        break;
    }
    default: break;
    }
    return G_SOURCE_CONTINUE;
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

void say_start(const Run &run, const OutputFormat &format, const EncoderPlan &encoder,
               const CaptureTarget &target) {
    const RecorderOptions &o = run.options;
    const std::string rate = o.constant_rate
                                 ? "a constant " + std::to_string(o.fps) + " fps"
                                 : "content-driven, up to " + std::to_string(o.fps) + " fps";
    const std::string made =
        encoder.input_format == "BGRx"
            ? ""
            : " " + encoder.input_format +
                  (target.converts ? " made by xshmsrc" : " made by videoconvert");
    tell("recording " + target.description + " (" + std::to_string(target.width) + "x" +
         std::to_string(target.height) + made + ", " + rate + ") with " + encoder.description +
         (o.audio ? " and audio from " + (o.audio_device.empty() ? std::string("the default source")
                                                                 : o.audio_device)
                  : std::string()) +
         " to " + o.file + " (" + container_name(format.container) + ")" +
         (o.duration > 0 ? " for " + seconds_text(o.duration) + " s" : "; Ctrl-C stops"));
    if (!target.note.empty())
        tell(target.note);
}

gboolean quit_loop(gpointer loop) {
    g_main_loop_quit(static_cast<GMainLoop *>(loop));
    return G_SOURCE_REMOVE;
}

int finish(Run &run) {
    for (guint id : run.timers)
        g_source_remove(id);
    const Progress p = progress_of(run);
    gst_element_set_state(run.pipeline->pipeline(), GST_STATE_NULL);
    clear_status_line();
    const bool wrote = run.pipeline->has_written();
    if (!run.failure.empty())
        tell(run.failure);
    if (!wrote) {
        unlink(run.options.file.c_str()); // no empty file behind
        if (run.status == kRecorded)
            run.status = kFailed;
        tell("nothing was recorded; " + run.options.file + " was not written");
    } else if (!run.options.quiet || run.status != kRecorded) {
        tell(summary_text(run.options.file, p));
    }
    return run.status;
}

} // namespace

void tell(const std::string &message) {
    clear_status_line();
    std::fprintf(stderr, "xshm-record: %s\n", message.c_str());
    std::fflush(stderr);
}

int record(const RecorderOptions &options, const OutputFormat &format, const EncoderPlan &encoder,
           const CaptureTarget &target) {
    Run run(options);
    try {
        run.pipeline = std::make_unique<RecordingPipeline>(options, format, encoder, target);
    } catch (const std::runtime_error &e) {
        tell(e.what());
        return kRefused;
    }
    run.show_status = !options.quiet && isatty(STDERR_FILENO);
    signal(SIGPIPE, SIG_IGN); // a closed terminal must not kill the recording
    if (!options.quiet)
        say_start(run, format, encoder, target);
    GstBus *bus = gst_element_get_bus(run.pipeline->pipeline());
    gst_bus_add_watch(bus, on_bus_message, &run);
    const guint signals[] = {g_unix_signal_add(SIGINT, on_interrupt, &run),
                             g_unix_signal_add(SIGTERM, on_terminate, &run),
                             g_unix_signal_add(SIGHUP, on_terminate, &run)};
    if (gst_element_set_state(run.pipeline->pipeline(), GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE) {
        run.status = kFailed;
        g_idle_add(quit_loop, run.loop); // once the bus said why
    }
    g_main_loop_run(run.loop);
    for (guint id : signals)
        g_source_remove(id);
    gst_bus_remove_watch(bus);
    gst_object_unref(bus);
    return finish(run);
}

} // namespace xshm_record
