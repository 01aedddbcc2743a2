// SPDX-License-Identifier: LGPL-2.1-or-later
#include "recorder_run.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>
#include <stdexcept>
#include <unistd.h>

#include <glib-unix.h>

#include "output_file.h"
#include "progress_line.h"
#include "recording_pipeline.h"

namespace xshm_record {
namespace {

constexpr guint kFinalizeSeconds = 15; // EOS must reach the file by then

bool status_line_shown = false;

// One recording's state; everything runs on the main loop's thread.
struct Run {
    const RecorderOptions &options;
    const CaptureTarget &target;
    OutputFile output;
    std::unique_ptr<RecordingPipeline> pipeline;
    GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
    bool show_status = false; // a terminal, and not --quiet
    bool playing = false, stopping = false;
    bool write_failed = false; // the file could not be written (disk full, ...)
    gint64 started_us = 0;
    std::string failure; // the first error, said at the end
    int status = kRecorded;
    std::vector<guint> timers; // removed when the run ends
    guint publish_retry = 0;   // while the first write is under way

    Run(const RecorderOptions &o, const CaptureTarget &t) : options(o), target(t), output(o.file) {}
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
    p.repeated = sum_of(
        stats, {"repeated-frames", "keepalive-frames", "requested-frames", "closing-frames"});
    if (stats != nullptr)
        gst_structure_free(stats);
    p.dropped = run.pipeline->frames_dropped();
    p.bytes = run.output.size();
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
        tell("aborted; " + run.output.writing_path() + " is left as it was written so far");
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

// Where an error comes from decides what is left to do.
enum class ErrorSource { Capture, File, Audio };

ErrorSource error_source(GstMessage *message) {
    const char *name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
    return g_str_equal(name, "file")    ? ErrorSource::File
           : g_str_equal(name, "audio") ? ErrorSource::Audio
                                        : ErrorSource::Capture;
}

std::string file_error_text(const Run &run, GstMessage *message) {
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    const bool full = g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT);
    g_clear_error(&error);
    return full ? "disk full: " + run.options.file + " could not be written further"
                : "cannot write " + run.options.file + ": " + message_text(message);
}

// An error from the capture finishes the file with what was recorded (the X
// server went away, say); before anything was written it ends at once, as
// does one from the file (the muxer could not finish it) or the audio (the
// muxer would wait for it forever).
void on_error(Run &run, GstMessage *message) {
    const ErrorSource source = error_source(message);
    if (run.failure.empty())
        run.failure = source == ErrorSource::File    ? file_error_text(run, message)
                      : source == ErrorSource::Audio ? "audio: " + message_text(message)
                                                     : message_text(message);
    run.status = kFailed;
    run.write_failed = run.write_failed || source == ErrorSource::File;
    if (source != ErrorSource::Capture || !run.pipeline->has_written())
        g_main_loop_quit(run.loop);
    else
        stop(run);
}

// The first bytes are written: an old file is replaced now (or as soon as
// the write under way has reached the disk).
gboolean publish(gpointer data) {
    auto &run = *static_cast<Run *>(data);
    std::string error;
    if (run.output.published() || run.output.publish(&error) || !error.empty()) {
        if (!error.empty())
            tell(error);
        run.publish_retry = 0;
        return G_SOURCE_REMOVE;
    }
    if (run.publish_retry == 0)
        run.publish_retry = g_timeout_add(20, publish, &run);
    return G_SOURCE_CONTINUE;
}

void on_resized(const Run &run, const GstStructure *s) {
    gint width = 0, height = 0;
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    const std::string file_size =
        std::to_string(run.target.file_width) + "x" + std::to_string(run.target.file_height);
    const std::string now = std::to_string(width) + "x" + std::to_string(height);
    if (unsigned(width) == run.target.source_width && unsigned(height) == run.target.source_height)
        tell("the recorded area is " + now + " again");
    else
        tell("the recorded area is now " + now + ": scaled to fit the file's " + file_size +
             " with black borders (a file keeps the size it started with)");
}

// -t counts file time: from the first frame, however long the start took.
void on_first_frame(Run &run, const GstStructure *s) {
    guint64 first = 0;
    gst_structure_get_uint64(s, "running-time", &first);
    const GstClockTime now = gst_element_get_current_running_time(run.pipeline->pipeline());
    const double left_ms =
        run.options.duration * 1000 - (GST_CLOCK_TIME_IS_VALID(now) ? (now - first) / 1e6 : 0);
    run.timers.push_back(
        g_timeout_add(guint(left_ms > 0 ? left_ms : 0), stop_after_duration, &run));
}

void on_application(Run &run, GstMessage *message) {
    const GstStructure *s = gst_message_get_structure(message);
    if (gst_structure_has_name(s, RecordingPipeline::kFirstFrame) && run.options.duration > 0)
        on_first_frame(run, s);
    else if (gst_structure_has_name(s, RecordingPipeline::kFileStarted))
        publish(&run);
    else if (gst_structure_has_name(s, RecordingPipeline::kResized))
        on_resized(run, s);
}

gboolean on_bus_message(GstBus *, GstMessage *message, gpointer data) {
    auto &run = *static_cast<Run *>(data);
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS: g_main_loop_quit(run.loop); break;
    case GST_MESSAGE_ERROR: on_error(run, message); break;
    case GST_MESSAGE_WARNING: tell("warning: " + message_text(message)); break;
    case GST_MESSAGE_APPLICATION: on_application(run, message); break;
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

// What is left after the loop: the file under its name with a summary, or
// nothing (an old file as it was).
int finish(Run &run) {
    for (guint id : run.timers)
        g_source_remove(id);
    if (run.publish_retry != 0)
        g_source_remove(run.publish_retry);
    Progress p = progress_of(run);
    gst_element_set_state(run.pipeline->pipeline(), GST_STATE_NULL);
    clear_status_line();
    if (!run.failure.empty())
        tell(run.failure);
    const std::string &file = run.options.file;
    if (run.pipeline->has_written() && !run.output.exists()) {
        tell(file + " was deleted while it was recorded (or its directory was): nothing is left");
        return kFailed;
    }
    if (!run.pipeline->has_written() || (run.write_failed && run.output.size() == 0)) {
        run.output.discard();
        tell("nothing was recorded; " + file +
             (run.output.published() ? " was not written" : " was kept as it was"));
        return run.status == kRecorded ? kFailed : run.status;
    }
    std::string error;
    if (!run.output.publish(&error))
        tell(error);
    p.seconds = run.pipeline->file_seconds(run.write_failed);
    if (!run.options.quiet || run.status != kRecorded)
        tell(summary_text(file, p));
    return run.status;
}

// Until the main loop runs (starting the pipeline opens the X display and may
// wait for it), a signal ends the recorder at once, removing the file just
// created: nothing was recorded into it.
char starting_path[4096]; // "" when nothing is to be removed

extern "C" void on_signal_while_starting(int) {
    if (starting_path[0] != 0)
        unlink(starting_path);
    _exit(kAborted);
}

void end_at_once_while_starting(const std::string &path) {
    g_strlcpy(starting_path, path.c_str(), sizeof starting_path);
    struct sigaction action {};
    action.sa_handler = on_signal_while_starting;
    for (int number : {SIGINT, SIGTERM, SIGHUP})
        sigaction(number, &action, nullptr);
}

} // namespace

void tell(const std::string &message) {
    clear_status_line();
    std::fprintf(stderr, "xshm-record: %s\n", message.c_str());
    std::fflush(stderr);
}

int record(const RecorderOptions &options, const OutputFormat &format, const EncoderPlan &encoder,
           SourceElement &source) {
    const CaptureTarget &target = source.target();
    Run run(options, target);
    try {
        run.pipeline = std::make_unique<RecordingPipeline>(options, format, encoder, source,
                                                           run.output.writing_path());
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
    end_at_once_while_starting(run.output.created_path());
    if (run.pipeline->start() == GST_STATE_CHANGE_FAILURE) {
        run.status = kFailed;
        g_idle_add(quit_loop, run.loop); // once the bus said why
    }
    const guint signals[] = {g_unix_signal_add(SIGINT, on_interrupt, &run),
                             g_unix_signal_add(SIGTERM, on_terminate, &run),
                             g_unix_signal_add(SIGHUP, on_terminate, &run)};
    g_main_loop_run(run.loop);
    for (guint id : signals)
        g_source_remove(id);
    gst_bus_remove_watch(bus);
    gst_object_unref(bus);
    return finish(run);
}

} // namespace xshm_record
