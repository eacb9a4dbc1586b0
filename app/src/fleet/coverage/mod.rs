//! Footage coverage of vehicle assignments: for each shift, the spans in
//! which a camera of the car had no footage segment or was not online.
//!
//! Pure arithmetic on sorted, disjoint half-open spans; the store part
//! (behind `ssr`) reads a window's assignments, segments and heartbeats.

use crate::codes::AssignmentRole;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod keep;
#[cfg(feature = "ssr")]
pub mod store;

/// A half-open span `[from, to)` of UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub from: i64,
    pub to: i64,
}

impl Span {
    pub fn len(self) -> i64 {
        (self.to - self.from).max(0)
    }

    pub fn is_empty(self) -> bool {
        self.to <= self.from
    }

    fn clip(self, to: Span) -> Span {
        Span {
            from: self.from.max(to.from),
            to: self.to.min(to.to),
        }
    }
}

/// The union of `spans` clipped to `within`: sorted, disjoint, touching
/// spans merged.
pub fn union_within(spans: &[Span], within: Span) -> Vec<Span> {
    let mut clipped: Vec<Span> = spans
        .iter()
        .map(|s| s.clip(within))
        .filter(|s| !s.is_empty())
        .collect();
    clipped.sort();
    let mut out: Vec<Span> = Vec::with_capacity(clipped.len());
    for s in clipped {
        match out.last_mut() {
            Some(last) if s.from <= last.to => last.to = last.to.max(s.to),
            _ => out.push(s),
        }
    }
    out
}

/// `a` without `b` (both sorted and disjoint).
pub fn subtract(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for &s in a {
        let mut from = s.from;
        while j < b.len() && b[j].to <= from {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].from < s.to {
            if b[k].from > from {
                out.push(Span {
                    from,
                    to: b[k].from,
                });
            }
            from = from.max(b[k].to);
            k += 1;
        }
        if from < s.to {
            out.push(Span { from, to: s.to });
        }
    }
    out
}

/// The spans in which a camera was not online, by its heartbeats
/// `(ts, online?)` sorted by time: each status holds until the next
/// heartbeat. Before the first heartbeat nothing is known (not counted
/// here: the footage decides).
pub fn not_online(heartbeats: &[(i64, bool)], within: Span) -> Vec<Span> {
    let mut spans = Vec::new();
    for (i, &(ts, online)) in heartbeats.iter().enumerate() {
        if online {
            continue;
        }
        let until = heartbeats.get(i + 1).map_or(i64::MAX, |next| next.0);
        spans.push(Span {
            from: ts,
            to: until,
        });
    }
    union_within(&spans, within)
}

/// One camera's gaps in `shift`: where no footage segment covers it, or
/// where its last heartbeat said it was not online (offline, tamper,
/// storage fault). A camera that never reported has the whole shift as a
/// gap.
pub fn camera_gaps(shift: Span, segments: &[Span], heartbeats: &[(i64, bool)]) -> Vec<Span> {
    let recorded = union_within(segments, shift);
    let good = subtract(&recorded, &not_online(heartbeats, shift));
    subtract(&[shift], &good)
}

/// Total length of `spans`.
pub fn total(spans: &[Span]) -> i64 {
    spans.iter().map(|s| s.len()).sum()
}

/// Covered share of `expected` milliseconds, as a percentage with one
/// decimal (100 when nothing was expected).
pub fn percent(covered: i64, expected: i64) -> f64 {
    if expected <= 0 {
        100.0
    } else {
        (covered as f64 * 1000.0 / expected as f64).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn s(from: i64, to: i64) -> Span {
        Span {
            from: from * MIN,
            to: to * MIN,
        }
    }

    #[test]
    fn segments_overlapping_the_shifts_edges_count_only_inside_it() {
        let shift = s(60, 120);
        // One segment starts before the shift, one ends after it.
        let segments = [s(55, 65), s(65, 70), s(115, 125)];
        assert_eq!(camera_gaps(shift, &segments, &[]), vec![s(70, 115)]);
        assert_eq!(total(&camera_gaps(shift, &segments, &[])), 45 * MIN);
    }

    #[test]
    fn a_camera_that_never_reported_misses_the_whole_shift() {
        let shift = s(0, 720);
        assert_eq!(camera_gaps(shift, &[], &[]), vec![shift]);
        assert_eq!(percent(0, shift.len()), 0.0);
    }

    #[test]
    fn overlapping_and_touching_segments_merge() {
        let shift = s(0, 30);
        let segments = [s(10, 20), s(0, 5), s(5, 10), s(15, 25)];
        assert_eq!(union_within(&segments, shift), vec![s(0, 25)]);
        assert_eq!(camera_gaps(shift, &segments, &[]), vec![s(25, 30)]);
    }

    #[test]
    fn not_online_periods_are_gaps_even_with_footage() {
        let shift = s(0, 60);
        let segments = [s(0, 60)];
        // Online, then tamper at 20 until an online heartbeat at 35, then
        // offline from 50 to the end (no later heartbeat).
        let beats = [
            (0, true),
            (20 * MIN, false),
            (35 * MIN, true),
            (50 * MIN, false),
        ];
        assert_eq!(
            camera_gaps(shift, &segments, &beats),
            vec![s(20, 35), s(50, 60)]
        );
        // An offline heartbeat before the shift holds into it.
        let before = [(-10 * MIN, false), (5 * MIN, true)];
        assert_eq!(camera_gaps(shift, &segments, &before), vec![s(0, 5)]);
    }

    #[test]
    fn the_changes_alone_give_the_same_not_online_spans() {
        // A status holds until the next heartbeat: dropping the heartbeats
        // that repeat the one before changes no span (what `keep` keeps).
        let shift = s(0, 100);
        let beats = [
            (-5 * MIN, false),
            (0, false),
            (10 * MIN, true),
            (20 * MIN, true),
            (30 * MIN, false),
            (40 * MIN, false),
            (45 * MIN, false),
            (60 * MIN, true),
            (90 * MIN, false),
        ];
        let changes: Vec<(i64, bool)> = beats
            .iter()
            .enumerate()
            .filter(|(i, b)| *i == 0 || beats[i - 1].1 != b.1)
            .map(|(_, b)| *b)
            .collect();
        assert_eq!(changes.len(), 5);
        assert_eq!(not_online(&beats, shift), not_online(&changes, shift));
        assert_eq!(
            not_online(&changes, shift),
            vec![s(0, 10), s(30, 60), s(90, 100)]
        );
    }

    #[test]
    fn coverage_percentages() {
        assert_eq!(percent(92, 100), 92.0);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(0, 0), 100.0);
    }

    #[test]
    fn subtraction_handles_every_overlap() {
        let a = [s(0, 10), s(20, 30), s(40, 50)];
        let b = [s(5, 22), s(25, 26), s(45, 60)];
        assert_eq!(
            subtract(&a, &b),
            vec![s(0, 5), s(22, 25), s(26, 30), s(40, 45)]
        );
        assert_eq!(subtract(&a, &[]), a.to_vec());
        assert_eq!(subtract(&[], &b), vec![]);
    }
}

/// One camera's footage during one assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraCoverage {
    /// `cabin` or `forward`.
    pub placement: String,
    /// The shift's time after the camera was registered.
    pub expected_ms: i64,
    pub covered_ms: i64,
    pub gaps: Vec<Span>,
}

/// One vehicle assignment (up to now) and its cameras' footage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftCoverage {
    pub plate: String,
    pub badge: String,
    pub officer: String,
    pub role: AssignmentRole,
    /// The assignment, cut at the window's ends and at now.
    pub shift: Span,
    pub cameras: Vec<CameraCoverage>,
}

impl ShiftCoverage {
    /// Camera-time the shift should have footage for: both cameras, each
    /// from when it was registered.
    pub fn expected_ms(&self) -> i64 {
        self.cameras.iter().map(|c| c.expected_ms).sum()
    }

    pub fn covered_ms(&self) -> i64 {
        self.cameras.iter().map(|c| c.covered_ms).sum()
    }
}

/// Whose assignments to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose<'a> {
    Vehicle(&'a str),
    Officer(&'a str),
    Fleet,
}
