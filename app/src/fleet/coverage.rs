//! Footage coverage of vehicle assignments: for each shift, the spans in
//! which a camera of the car had no footage segment or was not online.
//!
//! Pure arithmetic on sorted, disjoint half-open spans; the store part
//! (behind `ssr`) reads a window's assignments, segments and heartbeats.

use serde::{Deserialize, Serialize};

use crate::codes::AssignmentRole;

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

#[cfg(feature = "ssr")]
pub mod store {
    use std::collections::HashMap;

    use sqlx::Row;

    use super::{camera_gaps, total, AssignmentRole, CameraCoverage, ShiftCoverage, Span, Whose};
    use crate::error::AppError;
    use crate::policy::Permit;
    use crate::store::batch::{json_rows, JsonCol};
    use crate::store::Db;

    const DAY: i64 = 86_400_000;

    /// The assignments of `whose` that overlap `window` (cut at its ends),
    /// each with its vehicle's cameras' coverage: footage segments and
    /// heartbeats read once for the window, each shift then a slice of
    /// them. Takes a permit that reads coverage (fleet, SLA or officer
    /// records: [`super::super::ReadsCoverage`]).
    pub async fn shift_coverage<A: crate::fleet::ReadsCoverage>(
        db: &Db,
        _reader: &Permit<A>,
        whose: Whose<'_>,
        window: Span,
    ) -> Result<Vec<ShiftCoverage>, AppError> {
        let backend = db.backend();
        let (filter, key) = match whose {
            Whose::Vehicle(plate) => ("AND v.plate = $3", Some(plate)),
            Whose::Officer(badge) => ("AND o.badge_number = $3", Some(badge)),
            Whose::Fleet => ("", None),
        };
        let sql = format!(
            "SELECT v.id, v.plate, o.badge_number, o.given_names || ' ' || o.family_names, a.role, a.starts_at, a.ends_at \
             FROM vehicle_assignments a JOIN vehicles v ON v.id = a.vehicle_id JOIN officers o ON o.id = a.officer_id \
             WHERE a.starts_at < $2 AND a.ends_at > $1 {filter} ORDER BY a.starts_at DESC, v.plate, a.role DESC"
        );
        let mut q = sqlx::query(&sql).bind(window.from).bind(window.to);
        if let Some(key) = key {
            q = q.bind(key);
        }
        let rows = q.fetch_all(db.pool()).await?;
        struct Assignment {
            vehicle: i64,
            plate: String,
            badge: String,
            officer: String,
            role: AssignmentRole,
            shift: Span,
        }
        let mut assignments = Vec::with_capacity(rows.len());
        for r in &rows {
            let from: i64 = r.try_get(5)?;
            let to: i64 = r.try_get(6)?;
            assignments.push(Assignment {
                vehicle: r.try_get(0)?,
                plate: r.try_get(1)?,
                badge: r.try_get(2)?,
                officer: r.try_get(3)?,
                role: AssignmentRole::from_stored(&r.try_get::<String, _>(4)?)?,
                shift: Span {
                    from: from.max(window.from),
                    to: to.min(window.to),
                },
            });
        }
        if assignments.is_empty() {
            return Ok(Vec::new());
        }
        let mut vehicles: Vec<[i64; 1]> = assignments.iter().map(|a| [a.vehicle]).collect();
        vehicles.sort();
        vehicles.dedup();
        let vehicles_json = serde_json::to_string(&vehicles).map_err(|_| AppError::Internal)?;
        let in_vehicles = format!(
            "SELECT c0 FROM ({}) AS k",
            json_rows(backend, 1, &[JsonCol::Int])
        );

        // The cameras of those vehicles, by vehicle.
        let mut cameras: HashMap<i64, Vec<(i64, String, i64)>> = HashMap::new();
        for r in sqlx::query(&format!(
            "SELECT vehicle_id, id, placement, created_at FROM cameras WHERE vehicle_id IN ({in_vehicles}) ORDER BY vehicle_id, placement"
        ))
        .bind(&vehicles_json)
        .fetch_all(db.pool())
        .await?
        {
            cameras
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
        }
        let in_cameras =
            format!("camera_id IN (SELECT id FROM cameras WHERE vehicle_id IN ({in_vehicles}))");

        // Their footage and heartbeats in the window (segments last at most
        // a day; a day of heartbeats before it gives each camera's state
        // at its start). The database merges each camera's touching
        // segments into runs of recording and keeps only the heartbeats
        // that change between online and not, so what travels is a row per
        // run and per change, not one per segment and heartbeat: the same
        // spans, a hundred times fewer rows.
        let mut segments: HashMap<i64, Vec<Span>> = HashMap::new();
        for r in sqlx::query(&format!(
            "SELECT camera_id, MIN(starts_at), MAX(ends_at) FROM ( \
               SELECT camera_id, starts_at, ends_at, \
                 SUM(CASE WHEN prev_end IS NULL OR starts_at > prev_end THEN 1 ELSE 0 END) \
                   OVER (PARTITION BY camera_id ORDER BY starts_at, ends_at ROWS UNBOUNDED PRECEDING) AS run \
               FROM ( \
                 SELECT camera_id, starts_at, ends_at, \
                   MAX(ends_at) OVER (PARTITION BY camera_id ORDER BY starts_at, ends_at \
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end \
                 FROM footage_segments \
                 WHERE {in_cameras} AND starts_at >= $2 AND starts_at < $3) AS s) AS r \
             GROUP BY camera_id, run ORDER BY camera_id, 2"
        ))
        .bind(&vehicles_json)
        .bind(window.from - DAY)
        .bind(window.to)
        .fetch_all(db.pool())
        .await?
        {
            segments.entry(r.try_get(0)?).or_default().push(Span {
                from: r.try_get(1)?,
                to: r.try_get(2)?,
            });
        }
        let mut beats: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
        for r in sqlx::query(&format!(
            "SELECT camera_id, ts, status FROM ( \
               SELECT camera_id, ts, status, \
                 CASE WHEN status = 'online' THEN 1 ELSE 0 END AS online, \
                 LAG(CASE WHEN status = 'online' THEN 1 ELSE 0 END) \
                   OVER (PARTITION BY camera_id ORDER BY ts) AS was_online \
               FROM camera_heartbeats \
               WHERE {in_cameras} AND ts >= $2 AND ts < $3) AS h \
             WHERE was_online IS NULL OR was_online <> online ORDER BY camera_id, ts"
        ))
        .bind(&vehicles_json)
        .bind(window.from - DAY)
        .bind(window.to)
        .fetch_all(db.pool())
        .await?
        {
            let status: String = r.try_get(2)?;
            beats
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, status == "online"));
        }

        let none_s: Vec<Span> = Vec::new();
        let none_b: Vec<(i64, bool)> = Vec::new();
        let mut out = Vec::with_capacity(assignments.len());
        for a in assignments {
            let mut cams = Vec::new();
            for (camera, placement, registered) in
                cameras.get(&a.vehicle).map(Vec::as_slice).unwrap_or(&[])
            {
                // No footage is expected of a camera before it was registered.
                let shift = Span {
                    from: a.shift.from.max(*registered),
                    to: a.shift.to,
                };
                if shift.is_empty() {
                    continue;
                }
                let runs = segments.get(camera).unwrap_or(&none_s);
                // Only the runs that touch the shift (sorted, apart, so
                // their ends are sorted too).
                let lo = runs.partition_point(|r| r.to <= shift.from);
                let hi = runs.partition_point(|r| r.from < shift.to);
                let hb = beats.get(camera).unwrap_or(&none_b);
                // From the last heartbeat at or before the shift's start.
                let first = hb.partition_point(|b| b.0 <= shift.from).saturating_sub(1);
                let last = hb.partition_point(|b| b.0 < shift.to);
                let gaps = camera_gaps(shift, &runs[lo..hi.max(lo)], &hb[first.min(last)..last]);
                cams.push(CameraCoverage {
                    placement: placement.clone(),
                    expected_ms: shift.len(),
                    covered_ms: shift.len() - total(&gaps),
                    gaps,
                });
            }
            out.push(ShiftCoverage {
                plate: a.plate,
                badge: a.badge,
                officer: a.officer,
                role: a.role,
                shift: a.shift,
                cameras: cams,
            });
        }
        Ok(out)
    }
}
