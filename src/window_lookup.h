// Finding a window by id or by name (WM_NAME, _NET_WM_NAME or WM_CLASS), as
// ximagesrc's xid and xname do, and where it is on the screen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <xcb/xcb.h>

namespace xshm {

class DisplayConnection;

struct WindowInfo {
    xcb_window_t id = 0;
    std::string name;
    int root_x = 0, root_y = 0; // top-left corner of its contents on the screen
    unsigned width = 0, height = 0;
    int parent_x = 0, parent_y = 0; // as ConfigureNotify reports it
    unsigned border = 0;
    uint8_t depth = 0;
    std::string describe() const; // "0x200001 'Terminal' 640x480+10+20"
};

// Throws WindowNotFound naming what was asked (and, for a name, listing the
// named windows there are) when no viewable window matches.
WindowInfo find_window(DisplayConnection &display, uint32_t xid, const std::string &xname);

// The shown windows that have a name, as a window tree walk meets them.
std::vector<WindowInfo> list_windows(DisplayConnection &display);

} // namespace xshm
