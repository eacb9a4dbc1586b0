//! `vigia demo-feed`: the demo's camera control center and badge network,
//! live. Every tick (30 s by default) it sends, through the machine API
//! and with the demo's own clients' tokens, what the real ones would have
//! sent since the last tick:
//!
//! - a heartbeat from each camera every 10 minutes, repeating its last
//!   state (a tampered camera stays tampered); one camera in fifty has
//!   stopped talking and stays silent, as in the field;
//! - a 5-minute footage segment from each recording camera (online or
//!   tampered) of each car on shift;
//! - a ping every 30 seconds from each badge worn by a crew member on
//!   shift, along the car's patrol around its station (PNC-0001's crews'
//!   badges still fall silent in the middle of their shifts).
//!
//! What was sent last is read from what Vigía stored (each camera's last
//! heartbeat and footage, each chip's last ping), so the feed resumes after
//! a restart without sending anything twice, and catches up at most
//! [`CATCH_UP_MS`]. The fleet and the shifts are read from the database;
//! everything it writes goes through the API, as a real client's would.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::fleet::{sha256_hex, HEARTBEAT_MS, SEGMENT_MS};
use super::pings::{offset, station_point, Patrol, FAULTY_CAR, PING_MS};
use super::Rng;
use app::store::Db;

/// How far back a feed that was stopped catches up.
pub const CATCH_UP_MS: i64 = 30 * 60_000;
/// Records per request.
const BATCH: usize = 2_000;

/// The two clients' tokens, as `vigia demo-data` printed them.
#[derive(Clone)]
pub struct Tokens {
    pub control: String,
    pub badges: String,
}

impl Tokens {
    /// Reads the lines `API token of NAME (shown once): TOKEN` that
    /// `vigia demo-data` prints.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let find = |name: &str| {
            text.lines()
                .find_map(|l| {
                    l.trim()
                        .strip_prefix(&format!("API token of {name} (shown once): "))
                })
                .map(|t| t.trim().to_string())
                .ok_or_else(|| format!("no token of {name} in the file"))
        };
        Ok(Tokens {
            control: find(super::fleet::CLIENT_NAME)?,
            badges: find(super::pings::CLIENT_NAME)?,
        })
    }
}

app::debug_redacted!(Tokens {} hide { control, badges });

/// What one tick sent (and the API accepted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub heartbeats: u64,
    pub segments: u64,
    pub pings: u64,
    /// Records the API counted as already stored.
    pub duplicates: u64,
}

/// A car on shift, as the feed moves it.
struct Car {
    shift_from: i64,
    patrol: Patrol,
    rng: Rng,
    /// The last time it was moved to.
    at_ts: i64,
}

/// The feed: where to send, as whom, and the cars it is moving.
pub struct Feed {
    db: Db,
    base: String,
    tokens: Tokens,
    http: reqwest::Client,
    /// The demo loader's, for the reads above.
    permit: app::policy::Permit<app::policy::act::LoadDemoData>,
    cars: HashMap<String, Car>,
}

fn rfc3339(ms: i64) -> String {
    app::time::rfc3339_utc(ms)
}

/// `20261121T140000Z`, as the demo's segment ids and object names end.
fn compact(ms: i64) -> String {
    rfc3339(ms)
        .replace(['-', ':'], "")
        .trim_end_matches('Z')
        .to_string()
        + "Z"
}

fn placement_code(placement: &str) -> &'static str {
    if placement == "cabin" {
        "CAB"
    } else {
        "FWD"
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The cameras (one in fifty) that stopped talking: the feed sends nothing
/// for them, and the board shows them silent.
pub fn stopped_talking(plate: &str, placement: &str) -> bool {
    hash(&format!("{plate}/{placement}")) % 50 == 0
}

impl Feed {
    pub fn new(db: Db, base: &str, tokens: Tokens) -> Result<Feed, String> {
        let permit = app::policy::authorize(
            &app::identity::demo_loader(),
            app::policy::act::LoadDemoData,
            app::policy::Object::Any,
        )
        .map_err(|e| e.to_string())?;
        Ok(Feed {
            permit,
            db,
            base: base.trim_end_matches('/').to_string(),
            tokens,
            http: reqwest::Client::new(),
            cars: HashMap::new(),
        })
    }

    /// Sends what came due by `now`.
    pub async fn tick(&mut self, now: i64) -> Result<Sent, String> {
        let mut sent = Sent::default();
        let (beats, segments) = self.cameras(now).await?;
        let (accepted, duplicates) = self
            .post("heartbeats", &self.tokens.control, &beats)
            .await?;
        sent.heartbeats += accepted;
        sent.duplicates += duplicates;
        let (accepted, duplicates) = self
            .post("footage", &self.tokens.control, &segments)
            .await?;
        sent.segments += accepted;
        sent.duplicates += duplicates;
        let pings = self.pings(now).await?;
        match self.post("pings", &self.tokens.badges, &pings).await {
            Ok((accepted, duplicates)) => {
                sent.pings += accepted;
                sent.duplicates += duplicates;
            }
            Err(e) => {
                // The cars moved on in memory: start again from what was
                // stored.
                self.cars.clear();
                return Err(e);
            }
        }
        Ok(sent)
    }

    /// Sends `records` to `/api/v1/ingest/{path}` in batches: how many
    /// were accepted and how many were stored already.
    async fn post(&self, path: &str, token: &str, records: &[Value]) -> Result<(u64, u64), String> {
        let (mut accepted, mut duplicates) = (0, 0);
        for chunk in records.chunks(BATCH) {
            let res = self
                .http
                .post(format!("{}/api/v1/ingest/{path}", self.base))
                .bearer_auth(token)
                .json(chunk)
                .send()
                .await
                .map_err(|e| format!("cannot reach Vigía at {}: {e}", self.base))?;
            let status = res.status();
            let answer: Value = res.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                return Err(format!("{path}: {status} {answer}"));
            }
            accepted += answer["accepted"].as_u64().unwrap_or(0);
            duplicates += answer["duplicates"].as_u64().unwrap_or(0);
            if let Some(rejected) = answer["rejected"].as_array().filter(|r| !r.is_empty()) {
                tracing::warn!(path, rejected = rejected.len(), first = %rejected[0], "the API rejected records");
            }
        }
        Ok((accepted, duplicates))
    }

    /// The heartbeats and footage segments due by `now`.
    async fn cameras(&self, now: i64) -> Result<(Vec<Value>, Vec<Value>), String> {
        let cameras = app::fleet::live::cameras(&self.db, &self.permit, now)
            .await
            .map_err(|e| e.to_string())?;
        let (mut beats, mut segments) = (Vec::new(), Vec::new());
        for c in cameras {
            let (plate, placement) = (&c.plate, &c.placement);
            if stopped_talking(plate, placement) {
                continue;
            }
            let status = c.last_status.unwrap_or_else(|| "online".into());
            if c.last_status_at.is_none_or(|t| now - t >= HEARTBEAT_MS) {
                beats.push(json!({ "vehicle": plate, "camera": placement, "ts": rfc3339(now), "status": status }));
            }
            let Some(shift) = c.shift_from else { continue };
            if !matches!(status.as_str(), "online" | "tamper") {
                continue;
            }
            // Segments on the 5-minute grid, from the last one stored.
            let from = c
                .last_footage_at
                .unwrap_or(shift)
                .max(shift)
                .max(now - CATCH_UP_MS);
            let mut start = from.div_euclid(SEGMENT_MS) * SEGMENT_MS;
            if start < from {
                start += SEGMENT_MS;
            }
            let code = placement_code(placement);
            while start + SEGMENT_MS <= now {
                let id = format!("GC-{}-{code}-{}", plate.replace('-', ""), compact(start));
                let day = rfc3339(start)[..10].replace('-', "/");
                segments.push(json!({
                    "segment": id, "vehicle": plate, "camera": placement,
                    "start": rfc3339(start), "end": rfc3339(start + SEGMENT_MS),
                    "uri": format!("s3://pnc-footage/{day}/{plate}/{code}/{}.mp4", compact(start)),
                    "sha256": sha256_hex(&id),
                    "bytes": 70_000_000 + hash(&id) % 10_000_000,
                }));
                start += SEGMENT_MS;
            }
        }
        Ok((beats, segments))
    }

    /// The pings due by `now`: each badge worn by a crew member on shift,
    /// every 30 s since its last stored ping (at most [`CATCH_UP_MS`]).
    async fn pings(&mut self, now: i64) -> Result<Vec<Value>, String> {
        let badges = app::fleet::live::badges_on_shift(&self.db, &self.permit, now)
            .await
            .map_err(|e| e.to_string())?;
        // Each car's shift and crew: (chip id, chip, last ping).
        type Crew = (String, i64, i64, Vec<(i64, String, Option<i64>)>);
        let mut crews: Vec<(String, Crew)> = Vec::new();
        for b in badges {
            if crews.last().is_none_or(|(p, _)| *p != b.plate) {
                crews.push((
                    b.plate.clone(),
                    (b.unit, b.shift_from, b.shift_to, Vec::new()),
                ));
            }
            let crew = &mut crews.last_mut().expect("pushed above").1 .3;
            crew.push((b.badge_id, b.chip, b.last_ping_at));
        }
        self.cars
            .retain(|plate, _| crews.iter().any(|(p, _)| p == plate));
        let mut out = Vec::new();
        for (plate, (unit, from, to, crew)) in crews {
            let since = |last: Option<i64>| last.unwrap_or(from).max(from).max(now - CATCH_UP_MS);
            let first = crew.iter().map(|c| since(c.2)).min().unwrap_or(now);
            let car = match self.cars.get_mut(&plate) {
                Some(car) if car.shift_from == from => car,
                _ => {
                    // Where the car was last heard (a crew member's last
                    // ping this shift), or its station.
                    let home = station_point(&unit).unwrap_or((14.6349, -90.5069));
                    let mut at = home;
                    if let Some((chip, _, Some(last))) = crew
                        .iter()
                        .filter(|c| c.2.is_some_and(|t| t >= from))
                        .max_by_key(|c| c.2)
                    {
                        if let Some((lat, lon)) =
                            app::fleet::live::ping_at(&self.db, &self.permit, *chip, *last)
                                .await
                                .map_err(|e| e.to_string())?
                        {
                            at = (
                                lat as f64 / app::tracking::E7,
                                lon as f64 / app::tracking::E7,
                            );
                        }
                    }
                    let at_ts = first.div_euclid(PING_MS) * PING_MS;
                    self.cars.insert(
                        plate.clone(),
                        Car {
                            shift_from: from,
                            patrol: Patrol::new(home, at, at_ts),
                            rng: Rng(hash(&plate) ^ from as u64),
                            at_ts,
                        },
                    );
                    self.cars.get_mut(&plate).expect("inserted above")
                }
            };
            // PNC-0001's crews' badges are silent for 40 minutes mid-shift.
            let middle = from + (to - from) / 2;
            let silent = |ts: i64| plate == FAULTY_CAR && (ts - middle).abs() < 20 * 60_000;
            let mut ts = car.at_ts + PING_MS;
            while ts <= now {
                let (lat, lon, _, _) = car.patrol.step(&mut car.rng, ts, to);
                car.at_ts = ts;
                for (_, chip, last) in &crew {
                    if ts <= since(*last) || silent(ts) {
                        continue;
                    }
                    // Each badge a few metres off the car.
                    let h = hash(chip);
                    let (n, e) = ((h % 8) as f64 - 4.0, ((h >> 8) % 8) as f64 - 4.0);
                    let p = offset((lat, lon), n, e);
                    out.push(json!({
                        "badge": chip, "ts": rfc3339(ts),
                        "lat": (p.0 * 1e7).round() / 1e7, "lon": (p.1 * 1e7).round() / 1e7,
                        "accuracy_m": 4 + h % 9, "source": "gps",
                    }));
                }
                ts += PING_MS;
            }
        }
        Ok(out)
    }
}

/// Runs the feed every `every` until Ctrl-C (or the process is stopped),
/// waiting for Vigía to answer.
pub async fn run(
    db: Db,
    base: &str,
    tokens: Tokens,
    every: std::time::Duration,
) -> Result<(), String> {
    let mut feed = Feed::new(db, base, tokens)?;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        match feed.tick(app::time::now_ms()).await {
            Ok(sent) => tracing::info!(
                heartbeats = sent.heartbeats,
                segments = sent.segments,
                pings = sent.pings,
                duplicates = sent.duplicates,
                "demo feed sent"
            ),
            Err(e) => tracing::warn!(error = %e, "demo feed: will try again"),
        }
    }
}
