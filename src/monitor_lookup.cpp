// SPDX-License-Identifier: LGPL-2.1-or-later
#include "monitor_lookup.h"

#include <cctype>
#include <cstdlib>

#include <xcb/randr.h>

#include "display_connection.h"
#include "error.h"
#include "region.h"

namespace xshm {
namespace {

std::string atom_name(DisplayConnection &display, xcb_get_atom_name_cookie_t cookie) {
    const auto reply = display.reply_or_null(xcb_get_atom_name_reply, cookie, "GetAtomName");
    if (!reply)
        return {};
    return std::string(xcb_get_atom_name_name(reply.get()),
                       std::size_t(xcb_get_atom_name_name_length(reply.get())));
}

std::string list_text(const std::vector<Monitor> &monitors) {
    std::string text;
    for (std::size_t i = 0; i < monitors.size(); ++i)
        text += (i ? ", " : "") + std::to_string(i) + ": " + monitors[i].describe();
    return text.empty() ? "none" : text;
}

bool is_index(const std::string &spec) {
    if (spec.empty())
        return false;
    for (char c : spec)
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    return true;
}

} // namespace

std::string Monitor::describe() const {
    return name + " " + Region{x, y, width, height}.text() + (primary ? " (primary)" : "");
}

std::vector<Monitor> list_monitors(DisplayConnection &display) {
    xcb_connection_t *conn = display.xcb();
    if (!display.has_randr15())
        throw Error("X display '" + display.name() +
                    "' has no RandR 1.5: monitors cannot be listed (capture a region instead)");

    const xcb_window_t root = display.screen()->root;
    auto monitors_cookie = xcb_randr_get_monitors(conn, root, 1);
    auto resources_cookie = xcb_randr_get_screen_resources_current(conn, root);
    const auto reply =
        display.reply_or_null(xcb_randr_get_monitors_reply, monitors_cookie, "RandR GetMonitors");
    const auto resources = display.reply_or_null(xcb_randr_get_screen_resources_current_reply,
                                                 resources_cookie, "RandR GetScreenResources");
    if (!reply)
        throw Error("RandR GetMonitors failed on X display '" + display.name() + "'");

    // Send every name request before reading any reply: one round trip.
    std::vector<Monitor> monitors;
    std::vector<xcb_get_atom_name_cookie_t> name_cookies;
    std::vector<std::vector<xcb_randr_get_output_info_cookie_t>> output_cookies;
    const xcb_timestamp_t config = resources ? resources->config_timestamp : XCB_CURRENT_TIME;
    for (auto it = xcb_randr_get_monitors_monitors_iterator(reply.get()); it.rem > 0;
         xcb_randr_monitor_info_next(&it)) {
        const xcb_randr_monitor_info_t *info = it.data;
        Monitor m;
        m.x = info->x;
        m.y = info->y;
        m.width = info->width;
        m.height = info->height;
        m.primary = info->primary != 0;
        monitors.push_back(m);
        name_cookies.push_back(xcb_get_atom_name(conn, info->name));
        std::vector<xcb_randr_get_output_info_cookie_t> cookies;
        const xcb_randr_output_t *outputs = xcb_randr_monitor_info_outputs(info);
        for (int i = 0; i < xcb_randr_monitor_info_outputs_length(info); ++i)
            cookies.push_back(xcb_randr_get_output_info(conn, outputs[i], config));
        output_cookies.push_back(cookies);
    }
    for (std::size_t i = 0; i < monitors.size(); ++i) {
        monitors[i].name = atom_name(display, name_cookies[i]);
        for (auto cookie : output_cookies[i]) {
            const auto out = display.reply_or_null(xcb_randr_get_output_info_reply, cookie,
                                                   "RandR GetOutputInfo");
            if (out)
                monitors[i].outputs.emplace_back(
                    reinterpret_cast<const char *>(xcb_randr_get_output_info_name(out.get())),
                    std::size_t(xcb_randr_get_output_info_name_length(out.get())));
        }
    }
    return monitors;
}

const Monitor &find_monitor(const std::vector<Monitor> &monitors, const std::string &spec,
                            const std::string &display_name, std::string *note) {
    if (spec == "primary") {
        for (const Monitor &m : monitors)
            if (m.primary)
                return m;
        // A bare X session marks none: the first one is what users mean.
        if (!monitors.empty()) {
            if (note != nullptr)
                *note = "no monitor of X display '" + display_name +
                        "' is marked primary: "
                        "capturing the first one, " +
                        monitors.front().describe();
            return monitors.front();
        }
        throw MonitorNotFound("X display '" + display_name + "' has no monitors");
    }
    if (is_index(spec)) {
        const unsigned long index = std::strtoul(spec.c_str(), nullptr, 10);
        if (index < monitors.size())
            return monitors[index];
    } else {
        for (const Monitor &m : monitors)
            if (m.name == spec)
                return m;
        for (const Monitor &m : monitors)
            for (const std::string &output : m.outputs)
                if (output == spec)
                    return m;
    }
    throw MonitorNotFound("X display '" + display_name + "' has no monitor '" + spec +
                          "'; monitors: " + list_text(monitors));
}

} // namespace xshm
