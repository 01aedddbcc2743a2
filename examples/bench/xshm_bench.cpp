// SPDX-License-Identifier: LGPL-2.1-or-later
// One benchmark run of one GStreamer capture source, measured from inside:
// startup and plugin loading are excluded by sampling after a warm-up.
//
//   xshm-bench --source "xshmsrc display-name=:5" --server-pid PID
//              [--frames 300] [--warmup 30] [--seconds 4] [--animate full|area|none]
//   xshm-bench --memcpy WIDTHxHEIGHT      (median time of one frame-sized memcpy)
//   xshm-bench --animate-only full|area --display :5 --server-pid PID  (the painter's own cost)
//   xshm-bench --paint still|typing|video|full --display :5
//              (the recording benchmark's painter: a desktop-like picture, then the scenario's
//               area changing on a fixed schedule until SIGTERM/SIGINT; prints "ready" once the
//               picture is on screen, and paint_steps=N paint_late=N on exit)
//
// Prints one line of key=value pairs.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
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

// ---- The recording benchmark's painter ---------------------------------------------
//
// Scenarios: "still" (a desktop-like picture, painted once), "typing" (an 800x40
// line of text redrawn 10 times a second, one more character each time), "video"
// (a 1280x720 area showing a new picture 30 times a second) and "full" (the whole
// screen, 30 times a second). The picture is the root window's background, so it
// stays whatever happens; the moving pictures are copied by the server from
// pixmaps made once (a grainy texture, panned, two grain variants alternating), so
// painting costs the X server one copy of the area per frame and nothing else.

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

uint32_t hash32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

uint32_t rgb(int r, int g, int b) {
    auto c = [](int v) { return uint32_t(std::clamp(v, 0, 255)); };
    return (c(r) << 16) | (c(g) << 8) | c(b);
}

struct Image {
    int w = 0, h = 0;
    std::vector<uint32_t> px;
    Image(int w_, int h_) : w(w_), h(h_), px(std::size_t(w_) * h_) {}
    void fill(int x, int y, int rw, int rh, uint32_t c) {
        for (int j = std::max(0, y); j < std::min(h, y + rh); ++j)
            for (int i = std::max(0, x); i < std::min(w, x + rw); ++i)
                px[std::size_t(j) * w + i] = c;
    }
};

// Lines of "text": word-like runs of glyph-sized blocks, deterministic.
void draw_text_block(Image &img, int x, int y, int w, int h, uint32_t ink, uint32_t seed) {
    for (int line = 0; (line + 1) * 18 <= h; ++line) {
        int cx = x + 6;
        uint32_t r = hash32(seed + line * 7919U);
        const int line_end = x + w - 6 - int(r % std::max(1, w / 3));
        while (cx < line_end) {
            r = hash32(r);
            const int word = 2 + int(r % 9);
            for (int k = 0; k < word && cx + 7 < line_end; ++k) {
                r = hash32(r);
                const int gw = 4 + int(r % 4), gh = (r & 0x40) ? 11 : 8;
                img.fill(cx, y + line * 18 + 14 - gh, gw, gh, ink);
                cx += gw + 2;
            }
            cx += 6;
        }
    }
}

Image desktop_picture(int w, int h) {
    Image img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int d = ((x + y) >> 3) & 7;
            img.px[std::size_t(y) * w + x] =
                rgb(30 + 40 * y / h + d, 60 + 50 * y / h + d, 110 + 80 * x / w + d);
        }
    // A few windows: title bar, light body, text; one holds a photo-like gradient.
    const int windows[][4] = {{w / 20, h / 14, w / 2, h / 2},
                              {w / 2, h / 5, w * 9 / 20, h * 2 / 3},
                              {w / 10, h * 3 / 5, w / 3, h / 3}};
    uint32_t seed = 1;
    for (const auto &win : windows) {
        const int x = win[0], y = win[1], ww = win[2], wh = win[3];
        img.fill(x - 1, y - 1, ww + 2, wh + 2, rgb(20, 20, 20));
        img.fill(x, y, ww, 28, rgb(60, 70, 90));
        draw_text_block(img, x + 40, y + 4, ww / 3, 18, rgb(230, 230, 230), seed * 17);
        img.fill(x, y + 28, ww, wh - 28, rgb(246, 246, 242));
        draw_text_block(img, x + 10, y + 40, ww - 20, wh - 50, rgb(40, 40, 48), seed++);
    }
    const int px0 = w / 2 + w / 40, py0 = h / 5 + h / 3, pw = w * 2 / 5, ph = h / 4;
    for (int y = py0; y < std::min(h, py0 + ph); ++y)
        for (int x = px0; x < std::min(w, px0 + pw); ++x) {
            const double u = double(x - px0) / pw, v = double(y - py0) / ph;
            const int n = int(hash32(uint32_t(y) * 65537U + uint32_t(x)) & 15) - 8;
            img.px[std::size_t(y) * w + x] =
                rgb(int(200 * u + 40 * std::sin(9 * v)) + n, int(120 + 100 * v * u) + n,
                    int(220 - 150 * v + 30 * std::sin(7 * u)) + n);
        }
    return img;
}

// A smooth colour field with grain: "video".
Image texture(int w, int h, uint32_t variant) {
    Image img(w, h);
    std::vector<double> sx(w), sy(h), cx(w), cy(h);
    for (int x = 0; x < w; ++x) {
        sx[x] = std::sin(x / 97.0);
        cx[x] = std::cos(x / 41.0);
    }
    for (int y = 0; y < h; ++y) {
        sy[y] = std::sin(y / 131.0 + 1);
        cy[y] = std::cos(y / 59.0);
    }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int n =
                int(hash32(variant * 0x9e3779b9U ^ (uint32_t(y) * 8191U + uint32_t(x))) % 25) - 12;
            img.px[std::size_t(y) * w + x] =
                rgb(int(128 + 70 * sx[x] + 50 * cy[y]) + n, int(128 + 60 * sy[y] + 60 * cx[x]) + n,
                    int(128 + 50 * (sx[x] * sy[y]) + 60 * cx[x] * cy[y]) + n);
        }
    return img;
}

class ScenarioPainter {
public:
    ScenarioPainter(const std::string &display, const std::string &mode) : mode_(mode) {
        conn_ = xcb_connect(display.empty() ? nullptr : display.c_str(), nullptr);
        if (xcb_connection_has_error(conn_))
            throw std::runtime_error("cannot connect to the X display " + display);
        const xcb_setup_t *setup = xcb_get_setup(conn_);
        screen_ = xcb_setup_roots_iterator(setup).data;
        if (screen_->root_depth != 24 || setup->image_byte_order != XCB_IMAGE_ORDER_LSB_FIRST)
            throw std::runtime_error("the painter needs a 24-bit, LSB-first screen");
        for (auto it = xcb_setup_pixmap_formats_iterator(setup); it.rem; xcb_format_next(&it))
            if (it.data->depth == 24 && it.data->bits_per_pixel != 32)
                throw std::runtime_error("the painter needs 32 bits per pixel at depth 24");
        max_request_bytes_ = std::size_t(xcb_get_maximum_request_length(conn_)) * 4;
        w_ = screen_->width_in_pixels;
        h_ = screen_->height_in_pixels;
        gc_ = xcb_generate_id(conn_);
        const uint32_t no_exposures = 0;
        xcb_create_gc(conn_, gc_, screen_->root, XCB_GC_GRAPHICS_EXPOSURES, &no_exposures);
        ink_gc_ = xcb_generate_id(conn_);
        xcb_create_gc(conn_, ink_gc_, screen_->root, XCB_GC_GRAPHICS_EXPOSURES, &no_exposures);

        // The still picture, as the root window's background.
        const xcb_pixmap_t background = upload(desktop_picture(w_, h_));
        xcb_change_window_attributes(conn_, screen_->root, XCB_CW_BACK_PIXMAP, &background);
        xcb_clear_area(conn_, 0, screen_->root, 0, 0, 0, 0);
        xcb_free_pixmap(conn_, background);

        if (mode_ == "typing") {
            area_ = {int16_t(w_ / 20 + 10), int16_t(h_ / 14 + 40), uint16_t(std::min(800, w_)),
                     uint16_t(std::min(40, h_))};
            interval_ns_ = 100000000; // 10 per second
        } else if (mode_ == "video" || mode_ == "full") {
            area_ =
                mode_ == "video"
                    ? xcb_rectangle_t{int16_t(std::max(0, w_ / 4)), int16_t(std::max(0, h_ / 4)),
                                      uint16_t(std::min(1280, w_)), uint16_t(std::min(720, h_))}
                    : xcb_rectangle_t{0, 0, uint16_t(w_), uint16_t(h_)};
            for (uint32_t v = 0; v < 2; ++v)
                frames_[v] = upload(texture(area_.width + kPad, area_.height + kPad, v + 1));
            interval_ns_ = 1000000000 / 30;
        } else if (mode_ != "still") {
            throw std::runtime_error("unknown painter mode " + mode_ +
                                     " (still, typing, video, full)");
        }
        if (interval_ns_ != 0)
            step();
        sync();
    }
    ~ScenarioPainter() { xcb_disconnect(conn_); }

    // Paints on schedule until a stop signal; returns the number of late steps.
    void run() {
        if (interval_ns_ == 0) {
            while (!g_stop)
                pause();
            return;
        }
        timespec next{};
        clock_gettime(CLOCK_MONOTONIC, &next);
        while (!g_stop) {
            advance(next, interval_ns_);
            if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR)
                continue;
            step();
            sync();
            timespec now{};
            clock_gettime(CLOCK_MONOTONIC, &now);
            // More than a whole period behind: count it and drop the missed slots.
            while (ns(now) - ns(next) > interval_ns_) {
                ++late_;
                advance(next, interval_ns_);
            }
        }
    }
    long steps() const { return steps_; }
    long late() const { return late_; }

private:
    static constexpr int kPad = 128;

    static long long ns(const timespec &t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }
    static void advance(timespec &t, long long by) {
        const long long v = ns(t) + by;
        t.tv_sec = v / 1000000000LL;
        t.tv_nsec = v % 1000000000LL;
    }

    void sync() {
        std::free(xcb_get_input_focus_reply(conn_, xcb_get_input_focus(conn_), nullptr));
    }

    void set_colour(xcb_gcontext_t gc, uint32_t colour) {
        xcb_change_gc(conn_, gc, XCB_GC_FOREGROUND, &colour);
    }

    xcb_pixmap_t upload(const Image &img) {
        const xcb_pixmap_t pixmap = xcb_generate_id(conn_);
        xcb_create_pixmap(conn_, 24, pixmap, screen_->root, uint16_t(img.w), uint16_t(img.h));
        const std::size_t row = std::size_t(img.w) * 4;
        const int rows = int(std::max<std::size_t>(
            1, std::min<std::size_t>(max_request_bytes_ - 64, 4 << 20) / row));
        for (int y = 0; y < img.h; y += rows) {
            const int n = std::min(rows, img.h - y);
            xcb_put_image(
                conn_, XCB_IMAGE_FORMAT_Z_PIXMAP, pixmap, gc_, uint16_t(img.w), uint16_t(n), 0,
                int16_t(y), 0, 24, uint32_t(row * n),
                reinterpret_cast<const uint8_t *>(img.px.data() + std::size_t(y) * img.w));
        }
        return pixmap;
    }

    void step() {
        const long t = steps_++;
        if (mode_ == "typing") {
            // The line is redrawn whole with one more character (a new line after 90).
            set_colour(gc_, rgb(252, 252, 250));
            xcb_poly_fill_rectangle(conn_, screen_->root, gc_, 1, &area_);
            std::vector<xcb_rectangle_t> glyphs;
            const int chars = int(t % 90) + 1;
            uint32_t r = hash32(uint32_t(t / 90) + 1);
            int x = area_.x + 8;
            for (int k = 0; k < chars && x + 9 < area_.x + area_.width; ++k) {
                r = hash32(r);
                if (r % 6 == 0) { // a space
                    x += 8;
                    continue;
                }
                const int gh = (r & 0x40) ? 18 : 13;
                glyphs.push_back(
                    {int16_t(x), int16_t(area_.y + 30 - gh), uint16_t(5 + r % 3), uint16_t(gh)});
                x += 9;
            }
            glyphs.push_back({int16_t(x + 2), int16_t(area_.y + 8), 2, 26}); // the text cursor
            set_colour(ink_gc_, rgb(30, 30, 40));
            xcb_poly_fill_rectangle(conn_, screen_->root, ink_gc_, uint32_t(glyphs.size()),
                                    glyphs.data());
        } else if (mode_ == "video" || mode_ == "full") {
            const int ox = int((t * 3) % kPad), oy = int((t * 2) % kPad);
            xcb_copy_area(conn_, frames_[t & 1], screen_->root, gc_, int16_t(ox), int16_t(oy),
                          area_.x, area_.y, area_.width, area_.height);
        }
    }

    std::string mode_;
    xcb_connection_t *conn_ = nullptr;
    xcb_screen_t *screen_ = nullptr;
    xcb_gcontext_t gc_ = 0, ink_gc_ = 0;
    xcb_pixmap_t frames_[2] = {0, 0};
    xcb_rectangle_t area_{};
    std::size_t max_request_bytes_ = 0;
    int w_ = 0, h_ = 0;
    long long interval_ns_ = 0;
    long steps_ = 0, late_ = 0;
};

int paint_mode(const std::string &display, const std::string &mode) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the benchmark
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal; // no SA_RESTART: sleeps end on the signal
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    try {
        ScenarioPainter painter(display, mode);
        std::printf("ready\n");
        std::fflush(stdout);
        painter.run();
        std::printf("paint_steps=%ld paint_late=%ld\n", painter.steps(), painter.late());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    for (int i = 1; i + 1 < argc; i += 2) // the painter needs no GStreamer
        if (std::string(argv[i]) == "--paint") {
            std::string display;
            for (int j = 1; j + 1 < argc; j += 2)
                if (std::string(argv[j]) == "--display")
                    display = argv[j + 1];
            return paint_mode(display, argv[i + 1]);
        }
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
