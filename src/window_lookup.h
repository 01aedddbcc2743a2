// SPDX-License-Identifier: LGPL-2.1-or-later
// Finding a window as users name it: by id (ximagesrc's xid), or by a name
// (xname) matched against the managed top-level windows' titles (UTF-8) and
// classes: exactly first, else as a case-insensitive part of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xcb/xcb.h>

namespace xshm {

class DisplayConnection;

struct WindowInfo {
    xcb_window_t id = 0;
    std::string name;                 // its title, UTF-8
    std::vector<std::string> classes; // WM_CLASS: instance and class ("firefox", "Firefox")
    int root_x = 0, root_y = 0;       // top-left corner of its contents on the screen
    unsigned width = 0, height = 0;
    int parent_x = 0, parent_y = 0; // as ConfigureNotify reports it
    unsigned border = 0;
    uint8_t depth = 0;
    xcb_visualid_t visual = 0;
    bool shown = true;            // mapped and viewable (not minimized)
    std::string describe() const; // "0x200001 'Terminal' (XTerm) 640x480+10+20"
    // WM_CLASS's class part ("Firefox"), or its instance part, or "".
    std::string class_name() const { return classes.empty() ? "" : classes.back(); }
};

// Throws WindowNotFound naming what was asked and listing the windows there
// are (one that does not exist, or no name matching), or Error when a name
// matches several windows (listing them).
WindowInfo find_window(DisplayConnection &display, uint32_t xid, const std::string &xname);

// The windows a user can name: managed top-level windows (those a window
// manager gave WM_STATE, or its frames' clients), minimized ones included;
// without a window manager, the named top-level windows.
std::vector<WindowInfo> list_windows(DisplayConnection &display);

// Text from X made safe to show: invalid UTF-8 becomes U+FFFD.
std::string valid_utf8(const std::string &text);

} // namespace xshm
