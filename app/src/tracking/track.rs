//! What a track shows, worked out from an officer's pings: where the badge
//! was silent during a shift (gaps), moves faster than a car can go
//! (jumps), where the officer stood still (stops), and which points to
//! draw when a long window holds more than the map can show (thinning,
//! keeping stops, gaps, jumps and the first and last point). Pure
//! functions, tested here.

use std::collections::BTreeSet;

use super::E7;

/// One stored ping, as the track reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub ts: i64,
    pub lat_e7: i64,
    pub lon_e7: i64,
    pub accuracy_m: Option<f64>,
    pub mock: bool,
}

impl Fix {
    pub fn lat(&self) -> f64 {
        self.lat_e7 as f64 / E7
    }
    pub fn lon(&self) -> f64 {
        self.lon_e7 as f64 / E7
    }
}

/// Metres between two positions on the earth (great circle).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

fn between(a: &Fix, b: &Fix) -> f64 {
    distance_m((a.lat(), a.lon()), (b.lat(), b.lon()))
}

/// A move between two consecutive pings faster than `max_kmh`, after
/// allowing each position its reported accuracy: (index of the first
/// ping, its speed in km/h, the distance in metres).
pub fn jumps(fixes: &[Fix], max_kmh: f64) -> Vec<(usize, f64, f64)> {
    let mut found = Vec::new();
    for (i, pair) in fixes.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let seconds = (b.ts - a.ts) as f64 / 1000.0;
        if seconds <= 0.0 {
            continue;
        }
        let metres = between(a, b);
        let slack = a.accuracy_m.unwrap_or(0.0) + b.accuracy_m.unwrap_or(0.0);
        let kmh = (metres - slack).max(0.0) / seconds * 3.6;
        if kmh > max_kmh {
            found.push((i, metres / seconds * 3.6, metres));
        }
    }
    found
}

/// The stretches of `shifts` (each `(from, to)`, already cut to the
/// window) longer than `silent_ms` without a ping: the badge said nothing
/// while its wearer was on duty. `fixes` are in time order.
pub fn gaps(fixes: &[Fix], shifts: &[(i64, i64)], silent_ms: i64) -> Vec<(i64, i64)> {
    let mut found = Vec::new();
    for &(from, to) in shifts {
        let start = fixes.partition_point(|f| f.ts < from);
        let mut last = from;
        for f in fixes[start..].iter().take_while(|f| f.ts <= to) {
            if f.ts - last > silent_ms {
                found.push((last, f.ts));
            }
            last = f.ts;
        }
        if to - last > silent_ms {
            found.push((last, to));
        }
    }
    found.sort_unstable();
    found
}

/// Where the officer stayed within `radius_m` of one spot for at least
/// `min_ms`: the first and last index of each stop.
pub fn stops(fixes: &[Fix], radius_m: f64, min_ms: i64) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < fixes.len() {
        let mut j = i;
        while j + 1 < fixes.len() && between(&fixes[i], &fixes[j + 1]) <= radius_m {
            j += 1;
        }
        if j > i && fixes[j].ts - fixes[i].ts >= min_ms {
            found.push((i, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    found
}

/// At most `limit` of `n` points (indexes, in order): every point of
/// `must` (the first and last always), then points spread evenly over the
/// rest. If `must` alone is over the limit, an even share of it.
pub fn thin(n: usize, must: &BTreeSet<usize>, limit: usize) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    keep.insert(0);
    keep.insert(n - 1);
    let must: Vec<usize> = must.iter().copied().filter(|&i| i < n).collect();
    if must.len() + 2 > limit {
        let room = limit.saturating_sub(2).max(1);
        for k in 0..room {
            keep.insert(must[k * must.len() / room]);
        }
        return keep.into_iter().collect();
    }
    keep.extend(must);
    let room = limit - keep.len();
    for k in 0..room {
        if keep.len() >= limit {
            break;
        }
        keep.insert(k * n / room);
    }
    keep.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fix `metres_north` of 14.6°N, 90.5°W, at `seconds`.
    fn fix(seconds: i64, metres_north: f64) -> Fix {
        Fix {
            ts: seconds * 1000,
            lat_e7: ((14.6 + metres_north / 111_195.0) * E7).round() as i64,
            lon_e7: (-90.5 * E7) as i64,
            accuracy_m: None,
            mock: false,
        }
    }

    #[test]
    fn distances_are_great_circle_metres() {
        let d = distance_m((14.6, -90.5), (14.6 + 1.0 / 111.195, -90.5));
        assert!((d - 1000.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn a_jump_is_faster_than_the_setting_after_the_accuracies() {
        // 1 km in 10 s is 360 km/h; 1 km in 30 s is 120 km/h.
        let fixes = [fix(0, 0.0), fix(10, 1000.0), fix(40, 2000.0)];
        let found = jumps(&fixes, 200.0);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 0);
        assert!((found[0].1 - 360.0).abs() < 1.0);
        // Positions each known to 300 m: 400 m left in 10 s, 144 km/h.
        let mut vague = fixes;
        vague[0].accuracy_m = Some(300.0);
        vague[1].accuracy_m = Some(300.0);
        assert!(jumps(&vague, 200.0).is_empty());
    }

    #[test]
    fn gaps_are_silences_longer_than_the_setting_inside_shifts() {
        let fixes = [fix(100, 0.0), fix(130, 0.0), fix(1000, 0.0), fix(5000, 0.0)];
        // A shift from 0 to 2000 s, silence allowed: 300 s. Before 100: 100 s (fine);
        // 130 → 1000: a gap; 1000 → the shift's end at 2000: a gap. The ping at
        // 5000 is off duty.
        assert_eq!(
            gaps(&fixes, &[(0, 2_000_000)], 300_000),
            [(130_000, 1_000_000), (1_000_000, 2_000_000)]
        );
        // Exactly the setting is no gap; a shift with no ping is one gap.
        assert_eq!(gaps(&[fix(300, 0.0)], &[(0, 600_000)], 300_000), []);
        assert_eq!(gaps(&[], &[(0, 600_000)], 300_000), [(0, 600_000)]);
    }

    #[test]
    fn stops_are_long_stays_in_one_spot() {
        let mut fixes: Vec<Fix> = (0..20).map(|i| fix(i * 30, (i % 3) as f64 * 5.0)).collect();
        fixes.extend((20..30).map(|i| fix(i * 30, (i - 19) as f64 * 300.0)));
        assert_eq!(stops(&fixes, 50.0, 5 * 60_000), [(0, 19)]);
        assert_eq!(stops(&fixes, 50.0, 20 * 60_000), []);
    }

    #[test]
    fn thinning_keeps_what_must_be_kept_and_the_ends() {
        let must: BTreeSet<usize> = [5000, 5001, 7777].into();
        let kept = thin(10_000, &must, 2000);
        assert!(kept.len() <= 2000 && kept.len() > 1900, "{}", kept.len());
        for i in [0, 5000, 5001, 7777, 9999] {
            assert!(kept.contains(&i), "{i}");
        }
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(thin(10, &must, 2000), (0..10).collect::<Vec<_>>());
        let crowded: BTreeSet<usize> = (0..5000).map(|i| i * 2).collect();
        let kept = thin(10_000, &crowded, 100);
        assert!(kept.len() <= 100 && kept.contains(&0) && kept.contains(&9999));
    }
}
