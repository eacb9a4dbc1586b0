//! The contract SLA report for the supervision team: each camera's uptime
//! in a month — the share of its vehicle's shift time in which it recorded
//! footage and was online (the coverage arithmetic) — rolled up per
//! vehicle, region and fleet, against the contract's target.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;

/// One camera's (or vehicle's, or region's) month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UptimeLine {
    /// `PNC-0451 cabin`, `PNC-0451`, or a region's code.
    pub key: String,
    pub label: String,
    pub expected_ms: i64,
    pub covered_ms: i64,
    pub percent: f64,
}

/// The month's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaView {
    /// `2026-11`.
    pub month: String,
    /// The months one may pick, newest first.
    pub months: Vec<String>,
    pub target: f64,
    pub fleet: UptimeLine,
    pub regions: Vec<UptimeLine>,
    pub vehicles: Vec<UptimeLine>,
    /// Cameras below the target, worst first.
    pub below: Vec<UptimeLine>,
    pub cameras: i64,
}

/// Adds up `(key, label, expected, covered)` rows by key, in key order.
pub fn roll_up(rows: impl IntoIterator<Item = (String, String, i64, i64)>) -> Vec<UptimeLine> {
    let mut by: std::collections::BTreeMap<String, (String, i64, i64)> = Default::default();
    for (key, label, expected, covered) in rows {
        let e = by.entry(key).or_insert((label, 0, 0));
        e.1 += expected;
        e.2 += covered;
    }
    by.into_iter()
        .map(|(key, (label, expected_ms, covered_ms))| UptimeLine {
            key,
            label,
            expected_ms,
            covered_ms,
            percent: super::coverage::percent(covered_ms, expected_ms),
        })
        .collect()
}

/// The month report (`month` as `YYYY-MM`; the current one by default).
#[server(prefix = "/rpc", endpoint = "sla_report")]
pub async fn sla_report(month: Option<String>) -> Result<SlaView, AppError> {
    crate::rpc::call(act::ReadSlaReports, |cx| async move {
        store::report(
            &cx.state.db,
            &cx.permit,
            month.as_deref(),
            cx.state.camera_silent_ms,
            cx.state.sla_target_percent,
        )
        .await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod store {
    use std::collections::HashMap;

    use chrono::{Datelike, TimeZone};

    use super::{roll_up, SlaView, UptimeLine};
    use crate::error::{AppError, Field, Problem};
    use crate::fleet::coverage::{store::shift_coverage, Span, Whose};
    use crate::policy::{act, Permit};
    use crate::store::Db;

    /// `[first ms, next month's first ms)` of a month in the configured zone.
    pub fn month_span(month: &str) -> Result<Span, AppError> {
        let bad = || {
            AppError::validation(
                Field::Month,
                Problem::NotAMonth {
                    given: month.to_string(),
                },
            )
        };
        let (y, m) = month.split_once('-').ok_or_else(bad)?;
        let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&m) || !(2000..=2100).contains(&y) {
            return Err(bad());
        }
        let tz = crate::time::zone();
        let start = |y: i32, m: u32| {
            tz.with_ymd_and_hms(y, m, 1, 0, 0, 0)
                .single()
                .map(|t| t.timestamp_millis())
                .ok_or_else(bad)
        };
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Ok(Span {
            from: start(y, m)?,
            to: start(ny, nm)?,
        })
    }

    /// This month and the two before it, newest first.
    pub fn recent_months(now_ms: i64) -> Vec<String> {
        let now = crate::time::zone()
            .timestamp_millis_opt(now_ms)
            .single()
            .map(|t| (t.year(), t.month()))
            .unwrap_or((2026, 1));
        let (mut y, mut m) = now;
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(format!("{y:04}-{m:02}"));
            if m == 1 {
                y -= 1;
                m = 12;
            } else {
                m -= 1;
            }
        }
        out
    }

    pub async fn report(
        db: &Db,
        actor: &Permit<act::ReadSlaReports>,
        month: Option<&str>,
        silent_ms: i64,
        target: f64,
    ) -> Result<SlaView, AppError> {
        let now = crate::time::now_ms();
        let months = recent_months(now);
        let month = month
            .filter(|m| !m.is_empty())
            .unwrap_or(&months[0])
            .to_string();
        let span = month_span(&month)?;
        let window = Span {
            from: span.from,
            to: span.to.min(now - silent_ms),
        };
        let shifts = if window.is_empty() {
            Vec::new()
        } else {
            shift_coverage(db, actor, Whose::Fleet, window).await?
        };
        let (regions, vehicles) =
            crate::fleet::board::store::read_board(db, actor, now, silent_ms).await?;
        let region_of: HashMap<&str, &str> = vehicles
            .iter()
            .map(|v| (v.plate.as_str(), v.region.as_str()))
            .collect();
        let region_name: HashMap<&str, &str> = regions
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        // A car's shift counts once, however many officers rode in it.
        let mut seen = std::collections::HashSet::new();
        let mut cams = Vec::new();
        for s in &shifts {
            if !seen.insert((s.plate.clone(), s.shift)) {
                continue;
            }
            for c in &s.cameras {
                cams.push((
                    s.plate.clone(),
                    c.placement.clone(),
                    c.expected_ms,
                    c.covered_ms,
                ));
            }
        }
        let cameras = roll_up(
            cams.iter()
                .map(|(p, pl, e, c)| (format!("{p} {pl}"), p.clone(), *e, *c)),
        );
        let vehicle_lines = roll_up(
            cams.iter()
                .map(|(p, _, e, c)| (p.clone(), String::new(), *e, *c)),
        );
        let region_lines = roll_up(cams.iter().map(|(p, _, e, c)| {
            let code = region_of.get(p.as_str()).copied().unwrap_or("");
            (
                code.to_string(),
                region_name.get(code).copied().unwrap_or("").to_string(),
                *e,
                *c,
            )
        }));
        let fleet = roll_up(
            cams.iter()
                .map(|(_, _, e, c)| (String::new(), String::new(), *e, *c)),
        )
        .pop()
        .unwrap_or(UptimeLine {
            key: String::new(),
            label: String::new(),
            expected_ms: 0,
            covered_ms: 0,
            percent: 100.0,
        });
        let mut below: Vec<UptimeLine> = cameras
            .iter()
            .filter(|c| c.percent < target)
            .cloned()
            .collect();
        below.sort_by(|a, b| a.percent.total_cmp(&b.percent).then(a.key.cmp(&b.key)));
        Ok(SlaView {
            month,
            months,
            target,
            fleet,
            regions: region_lines,
            vehicles: vehicle_lines,
            below,
            cameras: cameras.len() as i64,
        })
    }

    /// The report as CSV: every camera, vehicle and region line.
    pub fn to_csv(r: &SlaView) -> String {
        let mut out = String::from("month,level,key,name,expected_hours,covered_hours,uptime_percent,target_percent,below_target\n");
        let mut line = |level: &str, l: &UptimeLine| {
            let name = l.label.replace('"', "\"\"");
            out.push_str(&format!(
                "{},{level},{},\"{name}\",{:.2},{:.2},{:.1},{:.1},{}\n",
                r.month,
                l.key,
                l.expected_ms as f64 / 3_600_000.0,
                l.covered_ms as f64 / 3_600_000.0,
                l.percent,
                r.target,
                if l.percent < r.target { "yes" } else { "no" }
            ));
        };
        line("fleet", &r.fleet);
        for l in &r.regions {
            line("region", l);
        }
        for l in &r.vehicles {
            line("vehicle", l);
        }
        for l in &r.below {
            line("camera_below_target", l);
        }
        out
    }
}

/// `/fleet/sla`: the month's uptime against the contract's target.
#[component]
pub fn SlaPage() -> impl IntoView {
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let report = Resource::new(move || query.with(|q| q.get("month")), sla_report);
    view! {
        <section class="page" aria-labelledby="sla-title">
            <p><a href="/fleet">{t!(i18n, back_to_fleet)}</a></p>
            <h1 id="sla-title">{t!(i18n, sla_title)}</h1>
            <p class="lede">{t!(i18n, sla_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => sla_view(r).into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn sla_view(r: SlaView) -> impl IntoView {
    let i18n = use_i18n();
    let (target, fleet, month) = (r.target, r.fleet.percent, r.month.clone());
    let below_n = r.below.len();
    // Horizontal bars, one per region, on a 0–100 % scale with the target.
    let row_h = 22.0;
    let height = row_h * r.regions.len() as f64 + 24.0;
    let x = |p: f64| 160.0 + p.clamp(0.0, 100.0) * 5.6;
    view! {
        <p class="days-switch">
            {r.months.iter().map(|m| if *m == r.month {
                view! { <strong aria-current="true">{m.clone()}</strong> }.into_any()
            } else {
                view! { <a href=format!("/fleet/sla?month={m}")>{m.clone()}</a> }.into_any()
            }).collect_view()}
            <a href=format!("/fleet/sla.csv?month={}", r.month) rel="external" data-testid="sla-csv">{t!(i18n, sla_csv)}</a>
        </p>
        <p class="coverage-total" data-testid="sla-fleet">
            {t!(i18n, sla_fleet_total, month = move || month.clone(), percent = move || format!("{fleet:.1}"), target = move || format!("{target:.1}"))}
        </p>
        <svg class="sla-chart" viewBox=format!("0 0 800 {height}") role="img" aria-label=move || t_string!(i18n, sla_chart) data-testid="sla-chart">
            {r.regions.iter().enumerate().map(|(i, l)| {
                let y = 4.0 + i as f64 * row_h;
                let class = if l.percent < target { "bar below" } else { "bar" };
                view! {
                    <text x="152" y=format!("{:.1}", y + 14.0) text-anchor="end" class="label">{l.label.clone()}</text>
                    <rect class=class x="160" y=format!("{y:.1}") width=format!("{:.1}", x(l.percent) - 160.0) height="16"></rect>
                    <text x="796" y=format!("{:.1}", y + 13.0) text-anchor="end" class="value">{format!("{:.1} %", l.percent)}</text>
                }
            }).collect_view()}
            <line class="target" x1=format!("{:.1}", x(target)) x2=format!("{:.1}", x(target)) y1="0" y2=format!("{:.1}", height - 18.0)></line>
            <text class="target-label" x=format!("{:.1}", x(target)) y=format!("{:.1}", height - 4.0) text-anchor="middle">{format!("{target:.0} %")}</text>
        </svg>
        <h2>{t!(i18n, sla_below_title, count = move || below_n)}</h2>
        {(below_n > 200).then(|| view! { <p class="muted">{t!(i18n, sla_below_more)}</p> })}
        <table class="table" data-testid="sla-below">
            <thead><tr>
                <th scope="col">{t!(i18n, footage_camera)}</th>
                <th scope="col">{t!(i18n, sla_hours)}</th>
                <th scope="col">{t!(i18n, sla_uptime)}</th>
            </tr></thead>
            <tbody>
                {r.below.into_iter().take(200).map(|l| view! {
                    <tr data-key=l.key.clone()>
                        <td><a href=format!("/fleet/vehicles/{}", l.label)>{l.key.clone()}</a></td>
                        <td>{format!("{:.1}", l.expected_ms as f64 / 3_600_000.0)}</td>
                        <td>{format!("{:.1} %", l.percent)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_adds_time_before_dividing() {
        // 10 h at 100 % and 1 h at 0 %: 90.9 %, not the mean of 100 and 0.
        let lines = roll_up([
            (
                "R1".to_string(),
                "Norte".to_string(),
                10 * 3_600_000,
                10 * 3_600_000,
            ),
            ("R1".to_string(), "Norte".to_string(), 3_600_000, 0),
            ("R2".to_string(), "Sur".to_string(), 0, 0),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].percent, 90.9);
        assert_eq!(lines[0].expected_ms, 11 * 3_600_000);
        // Nothing expected: nothing missed.
        assert_eq!(lines[1].percent, 100.0);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn months_are_guatemalan_calendar_months() {
        let nov = store::month_span("2026-11").unwrap();
        // 2026-11-01T00:00 in Guatemala is 06:00 UTC.
        assert_eq!(nov.from, 1_793_512_800_000);
        assert_eq!(nov.to - nov.from, 30 * 86_400_000);
        assert_eq!(
            store::month_span("2026-12").unwrap().to - store::month_span("2026-12").unwrap().from,
            31 * 86_400_000
        );
        assert!(store::month_span("2026-13").is_err());
        assert!(store::month_span("noviembre")
            .unwrap_err()
            .to_string()
            .starts_with("month:"));
        assert_eq!(
            store::recent_months(1_795_000_000_000),
            ["2026-11", "2026-10", "2026-09"]
        );
    }
}
