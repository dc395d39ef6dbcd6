//! Rendering only the visible part of a long list whose items have different heights (a chat
//! thread): items seen are measured, the others are estimated, and two spacers stand in for what
//! is not rendered so the scrollbar stays true.

/// Height assumed for an item never rendered yet (a question and a short answer).
pub const ESTIMATED_HEIGHT: f64 = 240.0;

/// Pixels rendered beyond each edge of the viewport, so a quick scroll finds items ready.
pub const OVERSCAN: f64 = 1200.0;

/// The slice `start..end` of items to render for a viewport of `viewport` pixels scrolled to
/// `scroll_top`, given each item's height (`offset` pixels of other content come first).
/// Always renders at least the last item, so a thread never shows blank.
pub fn visible_range(heights: &[f64], offset: f64, scroll_top: f64, viewport: f64) -> (usize, usize) {
    let n = heights.len();
    if n == 0 {
        return (0, 0);
    }
    let from = scroll_top - OVERSCAN;
    let to = scroll_top + viewport + OVERSCAN;
    let mut top = offset;
    let mut start = n;
    let mut end = n;
    for (i, h) in heights.iter().enumerate() {
        let bottom = top + h;
        if start == n && bottom >= from {
            start = i;
        }
        if top > to {
            end = i;
            break;
        }
        top = bottom;
    }
    let start = start.min(n - 1);
    (start, end.max(start + 1))
}

/// The heights the spacers above and below `start..end` stand for.
pub fn spacers(heights: &[f64], (start, end): (usize, usize)) -> (f64, f64) {
    let above = heights[..start.min(heights.len())].iter().sum();
    let below = heights[end.min(heights.len())..].iter().sum();
    (above, below)
}
