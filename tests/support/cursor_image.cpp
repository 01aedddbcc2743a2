// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cursor_image.h"

#include <cstdlib>
#include <stdexcept>

#include <xcb/xfixes.h>

namespace xshm_test {

CursorImage read_cursor(const std::string &display) {
    xcb_connection_t *c = xcb_connect(display.c_str(), nullptr);
    std::free(xcb_xfixes_query_version_reply(c, xcb_xfixes_query_version(c, 2, 0), nullptr));
    auto *r = xcb_xfixes_get_cursor_image_reply(c, xcb_xfixes_get_cursor_image(c), nullptr);
    if (r == nullptr) {
        xcb_disconnect(c);
        throw std::runtime_error("cannot read the cursor image of " + display);
    }
    CursorImage image{r->width, r->height, r->xhot, r->yhot, {}};
    const uint32_t *px = xcb_xfixes_get_cursor_image_cursor_image(r);
    image.argb.assign(px, px + r->width * r->height);
    std::free(r);
    xcb_disconnect(c);
    return image;
}

std::vector<uint8_t> with_cursor(const ScreenPainter &p, const CursorImage &cur, int px, int py) {
    auto frame = p.expected(0, 0, p.width(), p.height());
    for (int y = 0; y < cur.height; ++y)
        for (int x = 0; x < cur.width; ++x) {
            const int sx = px - cur.xhot + x, sy = py - cur.yhot + y;
            if (sx < 0 || sy < 0 || sx >= int(p.width()) || sy >= int(p.height()))
                continue;
            const uint32_t s = cur.argb[std::size_t(y) * cur.width + x];
            const unsigned a = s >> 24;
            uint8_t *d = &frame[(std::size_t(sy) * p.width() + sx) * 4];
            const unsigned src[3] = {s & 0xff, (s >> 8) & 0xff, (s >> 16) & 0xff}; // B, G, R
            for (int i = 0; i < 3; ++i)
                d[i] = uint8_t(src[i] + d[i] * (255 - a) / 255);
        }
    return frame;
}

} // namespace xshm_test
