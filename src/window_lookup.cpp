// SPDX-License-Identifier: LGPL-2.1-or-later
#include "window_lookup.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "display_connection.h"
#include "error.h"
#include "region.h"

namespace xshm {
namespace {

xcb_atom_t intern(DisplayConnection &display, const char *name) {
    const auto reply = display.reply_or_null(
        xcb_intern_atom_reply,
        xcb_intern_atom(display.xcb(), 1, uint16_t(std::string(name).size()), name), "InternAtom");
    return reply ? reply->atom : xcb_atom_t(XCB_ATOM_NONE);
}

struct Atoms {
    xcb_atom_t wm_state, net_wm_name;
    explicit Atoms(DisplayConnection &display)
        : wm_state(intern(display, "WM_STATE")), net_wm_name(intern(display, "_NET_WM_NAME")) {}
};

struct TextProperty {
    xcb_atom_t type = XCB_ATOM_NONE;
    std::string bytes;
};

TextProperty text_property(DisplayConnection &display, xcb_window_t window, xcb_atom_t property) {
    if (property == XCB_ATOM_NONE)
        return {};
    const auto reply = display.reply_or_null(
        xcb_get_property_reply,
        xcb_get_property(display.xcb(), 0, window, property, XCB_GET_PROPERTY_TYPE_ANY, 0, 1024),
        "GetProperty");
    if (!reply || reply->format != 8)
        return {};
    return {reply->type, std::string(static_cast<const char *>(xcb_get_property_value(reply.get())),
                                     std::size_t(xcb_get_property_value_length(reply.get())))};
}

std::string latin1_to_utf8(const std::string &text) {
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x80) {
            out += char(c);
        } else {
            out += char(0xc0 | (c >> 6));
            out += char(0x80 | (c & 0x3f));
        }
    }
    return out;
}

// _NET_WM_NAME (UTF-8), else WM_NAME (Latin-1 as STRING says, or whatever else).
std::string title_of(DisplayConnection &display, xcb_window_t window, const Atoms &atoms) {
    const TextProperty net = text_property(display, window, atoms.net_wm_name);
    if (!net.bytes.empty())
        return valid_utf8(net.bytes);
    const TextProperty wm = text_property(display, window, XCB_ATOM_WM_NAME);
    return wm.type == XCB_ATOM_STRING ? latin1_to_utf8(wm.bytes) : valid_utf8(wm.bytes);
}

// WM_CLASS holds "instance\0Class\0".
std::vector<std::string> classes_of(DisplayConnection &display, xcb_window_t window) {
    const std::string text = text_property(display, window, XCB_ATOM_WM_CLASS).bytes;
    std::vector<std::string> parts;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\0', start), text.size());
        if (end > start)
            parts.push_back(valid_utf8(text.substr(start, end - start)));
        start = end + 1;
    }
    return parts;
}

bool has_wm_state(DisplayConnection &display, xcb_window_t window, const Atoms &atoms) {
    const auto reply = display.reply_or_null(
        xcb_get_property_reply,
        xcb_get_property(display.xcb(), 0, window, atoms.wm_state, atoms.wm_state, 0, 0),
        "GetProperty WM_STATE");
    return reply && reply->type == atoms.wm_state;
}

std::vector<xcb_window_t> children_of(DisplayConnection &display, xcb_window_t window) {
    const auto tree = display.reply_or_null(xcb_query_tree_reply,
                                            xcb_query_tree(display.xcb(), window), "QueryTree");
    if (!tree)
        return {};
    const xcb_window_t *c = xcb_query_tree_children(tree.get());
    return std::vector<xcb_window_t>(c, c + xcb_query_tree_children_length(tree.get()));
}

// A window manager's frame holds the client (with WM_STATE) a level or two down.
xcb_window_t client_in(DisplayConnection &display, xcb_window_t frame, const Atoms &atoms,
                       int depth) {
    if (has_wm_state(display, frame, atoms))
        return frame;
    if (depth == 0)
        return XCB_WINDOW_NONE;
    for (xcb_window_t child : children_of(display, frame))
        if (xcb_window_t client = client_in(display, child, atoms, depth - 1))
            return client;
    return XCB_WINDOW_NONE;
}

std::string hex(uint32_t id) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", id);
    return text;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

WindowInfo info_of(DisplayConnection &display, xcb_window_t window, const Atoms &atoms) {
    xcb_connection_t *conn = display.xcb();
    auto geometry_cookie = xcb_get_geometry(conn, window);
    auto attributes_cookie = xcb_get_window_attributes(conn, window);
    auto origin_cookie = xcb_translate_coordinates(conn, window, display.screen()->root, 0, 0);
    const auto geometry =
        display.reply_or_null(xcb_get_geometry_reply, geometry_cookie, "GetGeometry");
    const auto attributes = display.reply_or_null(xcb_get_window_attributes_reply,
                                                  attributes_cookie, "GetWindowAttributes");
    const auto origin = display.reply_or_null(xcb_translate_coordinates_reply, origin_cookie,
                                              "TranslateCoordinates");
    if (!geometry || !attributes || !origin) {
        throw WindowNotFound("window " + hex(window) + " does not exist on X display '" +
                             display.name() + "'");
    }
    WindowInfo info;
    info.id = window;
    info.name = title_of(display, window, atoms);
    info.classes = classes_of(display, window);
    info.root_x = origin->dst_x;
    info.root_y = origin->dst_y;
    info.width = geometry->width;
    info.height = geometry->height;
    info.parent_x = geometry->x;
    info.parent_y = geometry->y;
    info.border = geometry->border_width;
    info.depth = geometry->depth;
    info.visual = attributes->visual;
    info.shown = attributes->map_state == XCB_MAP_STATE_VIEWABLE;
    return info;
}

bool matches_exactly(const WindowInfo &w, const std::string &name) {
    return w.name == name || std::find(w.classes.begin(), w.classes.end(), name) != w.classes.end();
}

bool matches_partly(const WindowInfo &w, const std::string &name) {
    const std::string part = lower(name);
    if (lower(w.name).find(part) != std::string::npos)
        return true;
    for (const std::string &c : w.classes)
        if (lower(c).find(part) != std::string::npos)
            return true;
    return false;
}

std::string list_text(const std::vector<WindowInfo> &windows) {
    std::string text;
    for (std::size_t i = 0; i < windows.size() && i < 20; ++i)
        text += (i ? ", " : "") + windows[i].describe();
    if (windows.size() > 20)
        text += ", ...";
    return text.empty() ? "none" : text;
}

WindowInfo find_by_name(DisplayConnection &display, const std::string &xname) {
    const std::vector<WindowInfo> windows = list_windows(display);
    std::vector<WindowInfo> exact, partly;
    for (const WindowInfo &w : windows) {
        if (matches_exactly(w, xname))
            exact.push_back(w);
        else if (matches_partly(w, xname))
            partly.push_back(w);
    }
    const std::vector<WindowInfo> &found = exact.empty() ? partly : exact;
    const std::string asked = "window named '" + valid_utf8(xname) + "'";
    if (found.size() == 1)
        return found.front();
    if (found.empty())
        throw WindowNotFound("no " + asked + " on X display '" + display.name() +
                             "'; windows: " + list_text(windows));
    throw Error(std::to_string(found.size()) + " windows match the name '" + valid_utf8(xname) +
                "' on X display '" + display.name() + "': " + list_text(found) +
                "; give a longer part of the title, or the id (xid)");
}

} // namespace

std::string WindowInfo::describe() const {
    return hex(id) + (name.empty() ? "" : " '" + name + "'") +
           (class_name().empty() ? "" : " (" + class_name() + ")") + " " +
           Region{root_x, root_y, width, height}.text() + (shown ? "" : " (not shown)");
}

std::string valid_utf8(const std::string &text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        const std::size_t length = c < 0x80         ? 1
                                   : (c >> 5) == 6  ? 2
                                   : (c >> 4) == 14 ? 3
                                   : (c >> 3) == 30 ? 4
                                                    : 0;
        bool ok = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; ok && k < length; ++k)
            ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 2;
        out += ok ? text.substr(i, length) : "\xef\xbf\xbd";
        i += ok ? length : 1;
    }
    return out;
}

std::vector<WindowInfo> list_windows(DisplayConnection &display) {
    xcb_connection_t *conn = display.xcb();
    const Atoms atoms(display);
    const std::vector<xcb_window_t> top = children_of(display, display.screen()->root);
    std::vector<xcb_window_t> clients;
    for (xcb_window_t window : top)
        if (xcb_window_t client = client_in(display, window, atoms, 2))
            clients.push_back(client);
    if (clients.empty()) // no window manager: the named top-level windows
        for (xcb_window_t window : top) {
            const auto attributes = display.reply_or_null(xcb_get_window_attributes_reply,
                                                          xcb_get_window_attributes(conn, window),
                                                          "GetWindowAttributes");
            if (attributes && !attributes->override_redirect &&
                !title_of(display, window, atoms).empty())
                clients.push_back(window);
        }
    std::vector<WindowInfo> windows;
    for (xcb_window_t window : clients) {
        try {
            windows.push_back(info_of(display, window, atoms));
        } catch (const WindowNotFound &) { // gone meanwhile
        }
    }
    return windows;
}

WindowInfo find_window(DisplayConnection &display, uint32_t xid, const std::string &xname) {
    if (xid == 0)
        return find_by_name(display, xname);
    return info_of(display, xid, Atoms(display));
}

} // namespace xshm
