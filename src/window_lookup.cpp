#include "window_lookup.h"

#include <cstdio>
#include <functional>
#include <vector>

#include "display_connection.h"
#include "error.h"
#include "xcb_handles.h"

namespace xshm {
namespace {

xcb_atom_t intern(xcb_connection_t *conn, const char *name) {
    XcbReply<xcb_intern_atom_reply_t> reply(xcb_intern_atom_reply(
        conn, xcb_intern_atom(conn, 1, uint16_t(std::string(name).size()), name), nullptr));
    return reply ? reply->atom : xcb_atom_t(XCB_ATOM_NONE);
}

std::string text_property(xcb_connection_t *conn, xcb_window_t window, xcb_atom_t property) {
    if (property == XCB_ATOM_NONE)
        return {};
    XcbReply<xcb_get_property_reply_t> reply(xcb_get_property_reply(
        conn, xcb_get_property(conn, 0, window, property, XCB_GET_PROPERTY_TYPE_ANY, 0, 1024),
        nullptr));
    if (!reply || reply->format != 8)
        return {};
    return std::string(static_cast<const char *>(xcb_get_property_value(reply.get())),
                       std::size_t(xcb_get_property_value_length(reply.get())));
}

// The names a user may know a window by: its titles and both WM_CLASS parts.
std::vector<std::string> names_of(xcb_connection_t *conn, xcb_window_t window,
                                  xcb_atom_t net_wm_name) {
    std::vector<std::string> names;
    for (xcb_atom_t atom : {xcb_atom_t(XCB_ATOM_WM_NAME), net_wm_name}) {
        std::string name = text_property(conn, window, atom);
        if (!name.empty())
            names.push_back(name);
    }
    const std::string wm_class = text_property(conn, window, XCB_ATOM_WM_CLASS);
    for (std::size_t start = 0; start < wm_class.size();) {
        const std::size_t end = wm_class.find('\0', start);
        names.push_back(wm_class.substr(start, end - start));
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return names;
}

bool viewable(xcb_connection_t *conn, xcb_window_t window) {
    XcbReply<xcb_get_window_attributes_reply_t> attrs(
        xcb_get_window_attributes_reply(conn, xcb_get_window_attributes(conn, window), nullptr));
    return attrs && attrs->map_state == XCB_MAP_STATE_VIEWABLE;
}

// Visits the window tree breadth-first from the root (top-level windows before
// their clients) until `visit` returns false.
void walk_windows(xcb_connection_t *conn, xcb_window_t root,
                  const std::function<bool(xcb_window_t)> &visit) {
    std::vector<xcb_window_t> queue{root};
    for (std::size_t i = 0; i < queue.size(); ++i) {
        XcbReply<xcb_query_tree_reply_t> tree(
            xcb_query_tree_reply(conn, xcb_query_tree(conn, queue[i]), nullptr));
        if (!tree)
            continue;
        const xcb_window_t *children = xcb_query_tree_children(tree.get());
        for (int c = 0; c < xcb_query_tree_children_length(tree.get()); ++c) {
            if (!visit(children[c]))
                return;
            queue.push_back(children[c]);
        }
    }
}

std::string hex(uint32_t id) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", id);
    return text;
}

} // namespace

std::string WindowInfo::describe() const {
    return hex(id) + (name.empty() ? "" : " '" + name + "'") + " " + std::to_string(width) +
           "x" + std::to_string(height) + "+" + std::to_string(root_x) + "+" +
           std::to_string(root_y);
}

WindowInfo find_window(DisplayConnection &display, uint32_t xid, const std::string &xname) {
    xcb_connection_t *conn = display.xcb();
    const xcb_window_t root = display.screen()->root;
    const xcb_atom_t net_wm_name = intern(conn, "_NET_WM_NAME");
    const std::string asked = xid ? "window " + hex(xid) : "window named '" + xname + "'";

    xcb_window_t found = XCB_WINDOW_NONE;
    std::string found_name;
    std::vector<std::string> known;
    if (xid != 0) {
        found = xid;
        const auto names = names_of(conn, xid, net_wm_name);
        found_name = names.empty() ? "" : names.front();
    } else {
        walk_windows(conn, root, [&](xcb_window_t window) {
            const auto names = names_of(conn, window, net_wm_name);
            for (const std::string &name : names)
                if (name == xname && viewable(conn, window)) {
                    found = window;
                    found_name = name;
                    return false;
                }
            if (!names.empty() && known.size() < 12)
                known.push_back("'" + names.front() + "'");
            return true;
        });
    }

    WindowInfo info;
    info.id = found;
    info.name = found_name;
    XcbReply<xcb_get_geometry_reply_t> geometry;
    if (found != XCB_WINDOW_NONE && viewable(conn, found))
        geometry.reset(xcb_get_geometry_reply(conn, xcb_get_geometry(conn, found), nullptr));
    if (!geometry) {
        display.check_alive();
        std::string list;
        for (const std::string &name : known)
            list += (list.empty() ? "" : ", ") + name;
        throw WindowNotFound(asked + " is not a shown window on X display '" + display.name() +
                             "'" + (xid ? "" : "; named windows: " + (list.empty() ? "none" : list)));
    }
    XcbReply<xcb_translate_coordinates_reply_t> origin(xcb_translate_coordinates_reply(
        conn, xcb_translate_coordinates(conn, found, root, 0, 0), nullptr));
    if (!origin)
        throw WindowNotFound(asked + " went away on X display '" + display.name() + "'");
    info.root_x = origin->dst_x;
    info.root_y = origin->dst_y;
    info.width = geometry->width;
    info.height = geometry->height;
    info.depth = geometry->depth;
    info.parent_x = geometry->x;
    info.parent_y = geometry->y;
    info.border = geometry->border_width;
    return info;
}

std::vector<WindowInfo> list_windows(DisplayConnection &display) {
    xcb_connection_t *conn = display.xcb();
    const xcb_window_t root = display.screen()->root;
    const xcb_atom_t net_wm_name = intern(conn, "_NET_WM_NAME");
    std::vector<WindowInfo> windows;
    walk_windows(conn, root, [&](xcb_window_t window) {
        if (!names_of(conn, window, net_wm_name).empty() && viewable(conn, window)) {
            try {
                windows.push_back(find_window(display, window, ""));
            } catch (const WindowNotFound &) { // gone meanwhile
            }
        }
        return windows.size() < 200;
    });
    display.check_alive();
    return windows;
}

} // namespace xshm
