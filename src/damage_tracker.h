// SPDX-License-Identifier: LGPL-2.1-or-later
// Which rows of the captured region changed, generation by generation, from
// the DAMAGE extension. The server accumulates damage in a region; collect()
// takes it in one round trip. At the NonEmpty report level the server sends
// at most one event per collect(), so a damage flood is no event flood.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <initializer_list>
#include <optional>
#include <vector>

#include <xcb/damage.h>
#include <xcb/xfixes.h>

#include "region.h"

namespace xshm {

class DisplayConnection;

class DamageTracker {
public:
    // Tracks `region` of `drawable` (the root window, or a captured window).
    // Null when the server lacks DAMAGE 1.1 or XFIXES 2.
    static std::unique_ptr<DamageTracker> create(std::shared_ptr<DisplayConnection> display,
                                                 xcb_drawable_t drawable, const Region &region);
    ~DamageTracker();
    DamageTracker(const DamageTracker &) = delete;
    DamageTracker &operator=(const DamageTracker &) = delete;

    // Takes the damage accumulated since the last call. When any of it falls
    // in the region, that is a new generation. Returns the current generation.
    // Throws ConnectionLost / Error.
    uint64_t collect() { return receive_collect(request_collect()); }
    // collect() in two halves, so the request can travel with others: the
    // server answers with the damage done up to that point of its request stream.
    xcb_xfixes_fetch_region_cookie_t request_collect();
    uint64_t receive_collect(xcb_xfixes_fetch_region_cookie_t cookie);
    uint64_t generation() const { return generation_; }

    // True for our DamageNotify event: the server sends one when its damage
    // region turns non-empty, so a still screen needs no round trip to tell.
    bool handle_event(const xcb_generic_event_t *event);
    // The generation now: collects only when an event said something changed.
    uint64_t current();

    // The rows a frame holding generation `since` must fetch again to show
    // the current one; nullopt when that history is gone (fetch everything).
    std::optional<std::vector<RowBand>> bands_since(uint64_t since) const;

    // Generations remembered; older slots are refreshed in full.
    static constexpr std::size_t kHistory = 64;

private:
    DamageTracker(std::shared_ptr<DisplayConnection> display, const Region &region)
        : display_(std::move(display)), region_(region) {}

    std::shared_ptr<DisplayConnection> display_;
    Region region_;
    xcb_damage_damage_t damage_ = 0;
    xcb_xfixes_region_t parts_ = 0;
    uint64_t generation_ = 1; // 0 means "no known screen state"
    uint8_t notify_event_ = 0;
    bool notified_ = true;    // nothing collected yet
    bool unanswered_ = false; // a collect was sent and its answer not read
    // back() holds the rows changed to reach generation_, the one before it
    // those that reached generation_ - 1, and so on.
    std::deque<std::vector<RowBand>> history_;
};

// Merges overlapping or touching bands into a sorted, disjoint list.
std::vector<RowBand> merge_bands(std::vector<RowBand> bands);
// `bands` and the `extra` ones present (where the pointer was, and is),
// merged; none (not known: every row) stays none.
std::optional<std::vector<RowBand>> with_bands(std::optional<std::vector<RowBand>> bands,
                                               std::initializer_list<std::optional<RowBand>> extra);

} // namespace xshm
