// SPDX-License-Identifier: LGPL-2.1-or-later
#include "damage_tracker.h"

#include <algorithm>
#include <cstdlib>

#include "display_connection.h"

namespace xshm {

std::vector<RowBand> merge_bands(std::vector<RowBand> bands) {
    std::sort(bands.begin(), bands.end(),
              [](const RowBand &a, const RowBand &b) { return a.y < b.y; });
    std::vector<RowBand> merged;
    for (const RowBand &band : bands) {
        if (band.height == 0)
            continue;
        if (!merged.empty() && band.y <= merged.back().y + merged.back().height) {
            RowBand &last = merged.back();
            last.height = std::max(last.y + last.height, band.y + band.height) - last.y;
        } else {
            merged.push_back(band);
        }
    }
    return merged;
}

std::unique_ptr<DamageTracker> DamageTracker::create(std::shared_ptr<DisplayConnection> display,
                                                     xcb_drawable_t drawable,
                                                     const Region &region) {
    xcb_connection_t *conn = display->xcb();
    if (!display->has_damage11() || !display->has_xfixes2())
        return nullptr;
    const uint8_t first_event = display->first_event(&xcb_damage_id);
    std::unique_ptr<DamageTracker> self(new DamageTracker(std::move(display), region));
    self->notify_event_ = uint8_t(first_event + XCB_DAMAGE_NOTIFY);
    self->damage_ = xcb_generate_id(conn);
    self->parts_ = xcb_generate_id(conn);
    xcb_xfixes_create_region(conn, self->parts_, 0, nullptr);
    auto cookie =
        xcb_damage_create_checked(conn, self->damage_, drawable, XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
    if (self->display_->checked(cookie, "DAMAGE Create")) {
        xcb_xfixes_destroy_region(conn, self->parts_);
        self->damage_ = 0;
        self->parts_ = 0;
        return nullptr;
    }
    return self;
}

DamageTracker::~DamageTracker() {
    display_->send_if_open([this](xcb_connection_t *conn) {
        if (damage_ != 0)
            xcb_damage_destroy(conn, damage_);
        if (parts_ != 0)
            xcb_xfixes_destroy_region(conn, parts_);
    });
}

uint64_t DamageTracker::current() { return notified_ || unanswered_ ? collect() : generation_; }

bool DamageTracker::handle_event(const xcb_generic_event_t *event) {
    if (DisplayConnection::event_type(event) != notify_event_)
        return false;
    notified_ = true;
    return true;
}

xcb_xfixes_fetch_region_cookie_t DamageTracker::request_collect() {
    display_->check_alive();
    xcb_connection_t *conn = display_->xcb();
    // A collect given up on (interrupted) took rows from the server that no
    // generation holds: no slot's rows are known any more, and the screen
    // may have changed.
    if (unanswered_) {
        history_.clear();
        ++generation_;
    }
    notified_ = false;
    unanswered_ = true;
    xcb_damage_subtract(conn, damage_, XCB_NONE, parts_);
    return xcb_xfixes_fetch_region(conn, parts_);
}

uint64_t DamageTracker::receive_collect(xcb_xfixes_fetch_region_cookie_t cookie) {
    const auto reply =
        display_->reply(xcb_xfixes_fetch_region_reply, cookie, "fetching the damaged region");
    unanswered_ = false;

    const int count = xcb_xfixes_fetch_region_rectangles_length(reply.get());
    const xcb_rectangle_t *rects = xcb_xfixes_fetch_region_rectangles(reply.get());
    const long top = region_.y, bottom = long(region_.y) + region_.height;
    const long left = region_.x, right = long(region_.x) + region_.width;
    std::vector<RowBand> bands;
    for (int i = 0; i < count; ++i) {
        const xcb_rectangle_t &r = rects[i];
        const long y0 = std::max<long>(r.y, top), y1 = std::min<long>(long(r.y) + r.height, bottom);
        const long x0 = std::max<long>(r.x, left), x1 = std::min<long>(long(r.x) + r.width, right);
        if (y0 < y1 && x0 < x1)
            bands.push_back({unsigned(y0 - top), unsigned(y1 - y0)});
    }
    if (bands.empty())
        return generation_;

    ++generation_;
    history_.push_back(merge_bands(std::move(bands)));
    if (history_.size() > kHistory)
        history_.pop_front();
    return generation_;
}

std::optional<std::vector<RowBand>> DamageTracker::bands_since(uint64_t since) const {
    if (since == 0 || since > generation_)
        return std::nullopt;
    const uint64_t steps = generation_ - since;
    if (steps > history_.size())
        return std::nullopt;
    std::vector<RowBand> bands;
    for (auto it = history_.end() - std::ptrdiff_t(steps); it != history_.end(); ++it)
        bands.insert(bands.end(), it->begin(), it->end());
    return merge_bands(std::move(bands));
}

std::optional<std::vector<RowBand>>
with_bands(std::optional<std::vector<RowBand>> bands,
           std::initializer_list<std::optional<RowBand>> extra) {
    if (!bands)
        return std::nullopt;
    for (const auto &band : extra)
        if (band)
            bands->push_back(*band);
    return merge_bands(std::move(*bands));
}

} // namespace xshm
