// SPDX-License-Identifier: LGPL-2.1-or-later
// Captures a region of an X screen: with MIT-SHM straight into a pooled slot
// (the server writes, nobody copies), or with GetImage where SHM cannot work,
// handing out the reply's pixels as they are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "capture_source.h"
#include "cursor_tracker.h"
#include "damage_tracker.h"
#include "display_connection.h"
#include "frame_memory.h"
#include "pixel_format.h"
#include "region.h"
#include "slot_pool.h"

namespace xshm {

enum class CapturePath { ShmMemfd, ShmSysV, GetImage };
const char *capture_path_name(CapturePath path);

// What to capture, and how.
struct GrabberOptions {
    SourceRequest source;
    bool force_get_image = false; // ximagesrc's "remote"
    unsigned max_slots = 8;
    bool use_damage = true;   // fetch only what changed, where DAMAGE exists
    bool show_pointer = true; // draw the cursor into frames (needs XFIXES 2)
};

// What a frame shows: two frames with equal states are the same picture.
struct ScreenState {
    uint64_t generation = 0; // damage generation, 0 when damage is not tracked
    CursorState cursor;
    bool operator==(const ScreenState &o) const {
        return generation == o.generation && cursor == o.cursor;
    }
    bool operator!=(const ScreenState &o) const { return !(*this == o); }
};

// What one capture cost, and what it shows.
struct CaptureResult {
    std::size_t bytes_fetched = 0;
    bool full = true; // the whole frame, not just changed rows
    ScreenState state;
};

class Grabber {
public:
    // Opens the display, checks the region and finds a capture path by
    // capturing one frame. Throws xshm::Error saying what was wrong.
    explicit Grabber(const GrabberOptions &options);
    ~Grabber();
    Grabber(const Grabber &) = delete;
    Grabber &operator=(const Grabber &) = delete;

    CapturePath path() const { return path_; }
    // Why this path (why SHM was not used, when it was not).
    const std::string &path_reason() const { return path_reason_; }
    const PixelFormat &format() const { return format_; }
    const Region &region() const { return source_->region(); }
    std::size_t stride() const { return stride_; }
    std::size_t frame_size() const { return stride_ * region().height; }
    const std::string &display_name() const { return display_->name(); }
    // What is captured, for the log ("the whole screen", "monitor ...", "window ...").
    const std::string &source_description() const { return source_->description(); }
    // Non-empty when less than asked is captured (a window without Composite),
    // or capture waits (a minimized window).
    const std::string &source_caveat() const { return source_->caveat(); }
    // A window that is minimized or unmapped: nothing to capture until it is shown.
    bool hidden() const { return !source_->shown(); }
    // The captured window (0 when the screen or a monitor is captured).
    uint32_t window_id() const;

    // Null on the GetImage path. Outlives the grabber while slots are out.
    const std::shared_ptr<SlotPool> &slot_pool() const { return slot_pool_; }

    // Whether damage is tracked (use_damage asked and the server has DAMAGE).
    bool tracks_damage() const { return damage_ != nullptr; }
    // The connection, for waking its waits from another thread.
    const std::shared_ptr<DisplayConnection> &display() const { return display_; }
    // The rows changed from damage generation `since` to the current one;
    // nullopt when that is not known (untracked, or too old): all of them.
    std::optional<std::vector<RowBand>> changed_rows_since(uint64_t since) const {
        return damage_ ? damage_->bands_since(since) : std::nullopt;
    }
    // The screen's state now, without a round trip: damage from events, the
    // pointer from a query sent at the previous call (so up to a frame old).
    // Equal to a frame's state means that frame still shows the screen.
    ScreenState poll_state();
    uint64_t cursor_image_fetches() const { return cursor_ ? cursor_->image_fetches() : 0; }

    // The pointer, when show_pointer asked for it (null otherwise). With
    // drawing off, frames leave it out and the caller composes it (overlay).
    const CursorTracker *cursor() const { return cursor_.get(); }
    void set_cursor_drawing(bool draw) { draw_cursor_ = draw; }
    // show_pointer while capturing: starts or stops following the pointer.
    // Throws Error when the server has no XFIXES 2 to read the cursor from.
    void set_show_pointer(bool show);

    // Reads what the server sent (events) and throws ConnectionLost when the
    // connection broke: a server that went away is noticed while idle.
    void check_connection() { drain_events(); }

    // Whether what is captured moved, changed size, was shown again or went
    // away (RandR layout, a window's structure events, a monitor's re-check)
    // since this grabber was made: a new grabber must look again.
    bool layout_changed();

    // One frame into `slot` (SHM paths): with damage, only the rows that
    // changed since the slot's own generation, checked to be one screen state
    // (no server grab). Throws ConnectionLost or Error.
    CaptureResult capture_into(SlotPool::Lease &slot);
    // One frame by GetImage, the reply's memory handed over without a copy.
    std::unique_ptr<FrameMemory> capture_get_image(CaptureResult *result = nullptr);

    // Disconnects; slots still out stay mapped and readable.
    void close();

private:
    void choose_path(const GrabberOptions &options);
    void probe_into(xcb_shm_seg_t segment);
    void capture_into_segment(xcb_shm_seg_t segment);
    void shm_get_image(xcb_shm_seg_t segment, xcb_drawable_t drawable, const Region &r,
                       const std::string &what);
    CaptureResult update_slot(SlotPool::Lease &slot);
    std::size_t fetch_whole(SlotPool::Lease &slot);
    std::size_t fetch_bands(SlotPool::Lease &slot, const std::vector<RowBand> &bands);
    std::string read_band_replies(const std::vector<xcb_shm_get_image_cookie_t> &cookies);
    bool mostly_whole(const std::vector<RowBand> &bands) const;
    void drain_events();
    void let_window_repaint();
    void send_cursor_query();
    // Reads the pointer and draws it; returns the rows it covered.
    std::optional<RowBand> draw_cursor(uint8_t *frame, ScreenState &state);

    std::shared_ptr<DisplayConnection> display_;
    std::unique_ptr<CaptureSource> source_;
    PixelFormat format_;
    std::size_t stride_ = 0;
    CapturePath path_ = CapturePath::GetImage;
    std::string path_reason_;
    std::shared_ptr<SlotPool> slot_pool_;
    std::unique_ptr<DamageTracker> damage_;
    xcb_xfixes_fetch_region_cookie_t pending_collect_{}; // the collect behind fetch_bands()
    std::unique_ptr<CursorTracker> cursor_;
    bool draw_cursor_ = true;
    bool layout_changed_ = false;
};

} // namespace xshm
