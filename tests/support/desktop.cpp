// SPDX-License-Identifier: LGPL-2.1-or-later
#include "desktop.h"

#include <cstdlib>
#include <stdexcept>

#include <glib.h>
#include <xcb/xcb.h>

namespace xshm_test {
namespace {

// The root window has `property` (a window manager says it is ready with
// _NET_SUPPORTING_WM_CHECK, once done starting).
bool root_has(const std::string &display, const char *property) {
    xcb_connection_t *c = xcb_connect(display.c_str(), nullptr);
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
    auto *atom = xcb_intern_atom_reply(
        c, xcb_intern_atom(c, 0, uint16_t(std::string(property).size()), property), nullptr);
    bool has = false;
    if (atom != nullptr) {
        auto *reply = xcb_get_property_reply(
            c, xcb_get_property(c, 0, root, atom->atom, XCB_GET_PROPERTY_TYPE_ANY, 0, 1), nullptr);
        has = reply != nullptr && reply->type != XCB_ATOM_NONE;
        std::free(reply);
        std::free(atom);
    }
    xcb_disconnect(c);
    return has;
}

// The window manager is up once it owns the WM_S0 selection.
bool managed(const std::string &display, const char *selection) {
    xcb_connection_t *c = xcb_connect(display.c_str(), nullptr);
    if (xcb_connection_has_error(c)) {
        xcb_disconnect(c);
        return false;
    }
    auto *atom = xcb_intern_atom_reply(
        c, xcb_intern_atom(c, 0, uint16_t(std::string(selection).size()), selection), nullptr);
    bool owned = false;
    if (atom != nullptr) {
        auto *owner =
            xcb_get_selection_owner_reply(c, xcb_get_selection_owner(c, atom->atom), nullptr);
        owned = owner != nullptr && owner->owner != XCB_WINDOW_NONE;
        std::free(owner);
        std::free(atom);
    }
    xcb_disconnect(c);
    return owned;
}

void wait_for_selection(const std::string &display, const char *selection, const char *what) {
    for (int i = 0; i < 200; ++i) {
        if (managed(display, selection))
            return;
        g_usleep(25000);
    }
    throw std::runtime_error(std::string(what) + " did not start on " + display);
}

} // namespace

Desktop::Desktop(const std::string &display, bool compositor) {
    g_setenv("DISPLAY", display.c_str(), TRUE);
    window_manager_ =
        std::make_unique<ChildProcess>(std::vector<std::string>{"openbox", "--sm-disable"});
    wait_for_selection(display, "WM_S0", "openbox");
    for (int i = 0; i < 200 && !root_has(display, "_NET_SUPPORTING_WM_CHECK"); ++i)
        g_usleep(25000);
    g_usleep(300000); // done with its start-up scan, it frames what maps now
    if (compositor) {
        compositor_ = std::make_unique<ChildProcess>(std::vector<std::string>{
            "picom", "--backend", "xrender", "--no-fading-openclose", "--config", "/dev/null"});
        wait_for_selection(display, "_NET_WM_CM_S0", "picom");
    }
}

Desktop::~Desktop() = default; // the children are killed with their objects

void xdotool(const std::string &display, const std::string &arguments) {
    const std::string command = "DISPLAY=" + display + " xdotool " + arguments + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("xdotool " + arguments + " failed");
    g_usleep(200000); // the window manager acts on it
}

} // namespace xshm_test
