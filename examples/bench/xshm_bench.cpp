// One benchmark run of one GStreamer capture source, measured from inside:
// startup and plugin loading are excluded by sampling after a warm-up.
//
//   xshm-bench --source "xshmsrc display-name=:5" --server-pid PID
//              [--frames 300] [--warmup 30] [--seconds 4] [--animate full|area|none]
//   xshm-bench --memcpy WIDTHxHEIGHT      (median time of one frame-sized memcpy)
//   xshm-bench --animate-only full|area --display :5 --server-pid PID  (the painter's own cost)
//
// Prints one line of key=value pairs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <gst/gst.h>
#include <xcb/xcb.h>

namespace {

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double process_cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

// utime + stime of another process, from /proc/<pid>/stat.
double other_cpu_ms(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return double(utime + stime) * 1e3 / double(sysconf(_SC_CLK_TCK));
}

double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::atof(line.c_str() + 6) / 1024.0;
    return 0;
}

// Changes part of the screen once per frame: the whole screen, or a
// 1280x720 area (a video playing in a window).
class Painter {
public:
    Painter(const std::string &display, const std::string &mode) : mode_(mode) {
        if (mode_ == "none")
            return;
        conn_ = xcb_connect(display.c_str(), nullptr);
        screen_ = xcb_setup_roots_iterator(xcb_get_setup(conn_)).data;
        gc_ = xcb_generate_id(conn_);
        xcb_create_gc(conn_, gc_, screen_->root, 0, nullptr);
    }
    ~Painter() {
        if (conn_)
            xcb_disconnect(conn_);
    }
    void step() {
        if (!conn_)
            return;
        uint32_t color = (++n_ & 1) ? 0x3366cc : 0xcc6633;
        xcb_change_gc(conn_, gc_, XCB_GC_FOREGROUND, &color);
        xcb_rectangle_t r{0, 0, screen_->width_in_pixels, screen_->height_in_pixels};
        if (mode_ == "area")
            r = {int16_t(screen_->width_in_pixels / 4), int16_t(screen_->height_in_pixels / 4),
                 1280, 720};
        xcb_poly_fill_rectangle(conn_, screen_->root, gc_, 1, &r);
        // A round trip: the change is on screen before the next capture.
        std::free(xcb_get_input_focus_reply(conn_, xcb_get_input_focus(conn_), nullptr));
    }

private:
    std::string mode_;
    xcb_connection_t *conn_ = nullptr;
    xcb_screen_t *screen_ = nullptr;
    xcb_gcontext_t gc_ = 0;
    unsigned n_ = 0;
};

struct Run {
    int warmup = 30, frames = 300;
    double seconds = 4;
    long server_pid = 0;
    Painter *painter = nullptr;
    int count = 0;
    double t0 = 0, c0 = 0, s0 = 0, t1 = 0, c1 = 0, s1 = 0;
    int measured = 0;
    GMainLoop *loop = nullptr;
};

GstPadProbeReturn on_buffer(GstPad *, GstPadProbeInfo *, gpointer data) {
    auto *run = static_cast<Run *>(data);
    ++run->count;
    if (run->count == run->warmup) {
        run->t0 = now_ms();
        run->c0 = process_cpu_ms();
        run->s0 = other_cpu_ms(run->server_pid);
    } else if (run->count > run->warmup && run->measured >= 0) {
        const int measured = run->count - run->warmup;
        if (measured >= run->frames || now_ms() - run->t0 > run->seconds * 1e3) {
            run->t1 = now_ms();
            run->c1 = process_cpu_ms();
            run->s1 = other_cpu_ms(run->server_pid);
            run->measured = measured;
            g_main_loop_quit(run->loop);
            run->measured = -measured; // done: ignore further buffers
            return GST_PAD_PROBE_OK;
        }
    }
    if (run->painter)
        run->painter->step();
    return GST_PAD_PROBE_OK;
}

gboolean on_bus(GstBus *, GstMessage *msg, gpointer data) {
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
        GError *error = nullptr;
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            gst_message_parse_error(msg, &error, nullptr);
            std::fprintf(stderr, "error: %s\n", error->message);
            g_error_free(error);
        }
        g_main_loop_quit(static_cast<Run *>(data)->loop);
    }
    return TRUE;
}

int memcpy_mode(const char *size) {
    unsigned w = 0, h = 0;
    std::sscanf(size, "%ux%u", &w, &h);
    const std::size_t bytes = std::size_t(w) * h * 4;
    std::vector<uint8_t> a(bytes, 1), b(bytes, 2); // touched: no page faults timed
    std::vector<double> times;
    for (int i = 0; i < 25; ++i) {
        a[i] = uint8_t(i);
        const double t = now_ms();
        std::memcpy(b.data(), a.data(), bytes);
        times.push_back(now_ms() - t);
    }
    std::sort(times.begin(), times.end());
    std::printf("memcpy_ms=%.3f bytes=%zu check=%d\n", times[times.size() / 2], bytes, b[7]);
    return 0;
}

int animate_only(const std::string &display, const std::string &mode, long pid, int steps) {
    Painter painter(display, mode);
    const double c0 = process_cpu_ms(), s0 = other_cpu_ms(pid);
    for (int i = 0; i < steps; ++i)
        painter.step();
    std::printf("paint_client_ms=%.4f paint_server_ms=%.4f\n", (process_cpu_ms() - c0) / steps,
                (other_cpu_ms(pid) - s0) / steps);
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    gst_init(&argc, &argv);
    std::string source, animate = "none", display, memcpy_size, animate_only_mode;
    Run run;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--memcpy")
            memcpy_size = value;
        else if (key == "--source")
            source = value;
        else if (key == "--server-pid")
            run.server_pid = std::atol(value.c_str());
        else if (key == "--frames")
            run.frames = std::atoi(value.c_str());
        else if (key == "--warmup")
            run.warmup = std::atoi(value.c_str());
        else if (key == "--seconds")
            run.seconds = std::atof(value.c_str());
        else if (key == "--animate")
            animate = value;
        else if (key == "--display")
            display = value;
        else if (key == "--animate-only")
            animate_only_mode = value;
    }
    if (!memcpy_size.empty())
        return memcpy_mode(memcpy_size.c_str());
    if (!animate_only_mode.empty() && run.server_pid != 0)
        return animate_only(display, animate_only_mode, run.server_pid, run.frames);
    if (source.empty() || run.server_pid == 0) {
        std::fprintf(stderr, "usage: see the comment at the top of xshm_bench.cpp\n");
        return 2;
    }
    const auto at = source.find("display-name=");
    if (display.empty() && at != std::string::npos)
        display = source.substr(at + 13, source.find(' ', at) - at - 13);
    Painter painter(display, animate);
    run.painter = &painter;

    // Unthrottled: the caps allow far more frames per second than capture can make.
    const std::string description =
        source + " ! video/x-raw,framerate=1000/1 ! fakesink name=sink sync=false";
    GError *error = nullptr;
    GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
    if (pipeline == nullptr) {
        std::fprintf(stderr, "error: %s\n", error->message);
        return 1;
    }
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &run, nullptr);
    run.loop = g_main_loop_new(nullptr, FALSE);
    GstBus *bus = gst_element_get_bus(pipeline);
    gst_bus_add_watch(bus, on_bus, &run);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    g_main_loop_run(run.loop);
    gst_element_set_state(pipeline, GST_STATE_NULL);

    const int frames = -run.measured;
    if (frames <= 0) {
        std::fprintf(stderr, "error: no frames measured\n");
        return 1;
    }
    const double wall = run.t1 - run.t0;
    std::printf("fps=%.1f client_ms=%.4f server_ms=%.4f peak_mb=%.0f frames=%d\n",
                frames * 1e3 / wall, (run.c1 - run.c0) / frames, (run.s1 - run.s0) / frames,
                peak_rss_mb(), frames);
    gst_object_unref(pad);
    gst_object_unref(sink);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    return 0;
}
