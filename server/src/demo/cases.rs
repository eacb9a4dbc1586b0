//! The demo's internal-affairs cases, recorded through the case services
//! the way people record them (intake, subjects, allegations, findings,
//! the supervisor's steps, the ministry's decisions), so that every
//! dismissal and suspension of the dataset comes from a decided case with a
//! sustained allegation, and the officer's status history names it.
//!
//! - every dismissed officer (the seed's 194 in 2012 and 22 early in
//!   2013): a case with a sustained allegation of corruption, criminal
//!   links or extortion and a `dismissed` decision dated as the status;
//! - every suspended officer: a sustained negligence or abuse-of-force
//!   allegation and a `suspended` decision;
//! - other decided and closed cases over the years (not sustained,
//!   reprimands), up to 20,000 cases at the national scale;
//! - open cases in every state, some sealed, some overdue, several from
//!   failed confidence tests and camera reviews, with Spanish notes.
//!
//! Open cases are assigned in turn to the investigator accounts that exist
//! when the data is loaded (`scripts/run` creates its accounts first).

use app::audit::AuditedTx;
use app::cases::write::{self, DecisionInput};
use app::cases::{AllegationKind, CaseInput, CaseMove, Finding};
use app::policy::{act, authorize, Object, Principal};
use app::state::CaseDeadlines;
use chrono::{NaiveDate, TimeZone};
use sqlx::Row;

use super::duty::TestRow;
use super::{dates, Dataset, DemoError, Rng, Scale};

/// How a planned case ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Intake,
    Investigation,
    SupervisorReview,
    MinistryReview,
    Decided,
    Closed,
}

struct Plan {
    intake_day: i64,
    origin: &'static str,
    badge: String,
    kind: AllegationKind,
    finding: Finding,
    stage: Stage,
    /// outcome, suspension days, decision day
    decision: Option<(&'static str, Option<u32>, i64)>,
    sealed: bool,
    town: String,
    unit: String,
    complainant: &'static str,
}

const TITLES: &[(AllegationKind, &[&str])] = &[
    (
        AllegationKind::Corruption,
        &[
            "Cobro de dinero a conductores en puesto de control",
            "Solicitud de soborno para no levantar multa",
            "Venta de información de operativos",
        ],
    ),
    (
        AllegationKind::CriminalLinks,
        &[
            "Vínculos con estructura de narcomenudeo",
            "Protección a red de contrabando",
            "Filtración de operativos a pandilla",
        ],
    ),
    (
        AllegationKind::Extortion,
        &[
            "Extorsión a comerciantes del mercado",
            "Cobro de «impuesto» a transportistas",
            "Extorsiones a pilotos de autobús",
        ],
    ),
    (
        AllegationKind::AbuseOfForce,
        &[
            "Uso excesivo de la fuerza durante una detención",
            "Agresión a un detenido en la subestación",
        ],
    ),
    (
        AllegationKind::Negligence,
        &[
            "Abandono del puesto de servicio",
            "Pérdida de arma de equipo",
            "Cámara de la patrulla obstruida durante el turno",
        ],
    ),
    (
        AllegationKind::Other,
        &["Uso de la patrulla para fines personales"],
    ),
];

const COMPLAINANTS: &[&str] = &["anonymous", "named"];

const NOTES: &[&str] = &[
    "Se solicitó a la subestación el libro de novedades del turno.",
    "Entrevista con el denunciante: ratifica los hechos y aporta fotografías.",
    "Se pidió al centro de monitoreo la grabación de ambas cámaras de la patrulla.",
    "El agente fue citado para rendir declaración; se presentó con su abogado.",
    "Las declaraciones de los testigos coinciden en la hora y el lugar.",
    "Se cotejó la ubicación de la placa del agente con la ruta declarada.",
];

fn title(rng: &mut Rng, kind: AllegationKind, town: &str) -> String {
    let list = TITLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(&["Denuncia"]);
    format!("{} ({town})", rng.pick(list))
}

fn date(day: i64) -> NaiveDate {
    let (y, m, d) = dates::civil_from_days(day);
    NaiveDate::from_ymd_opt(y, m, d).expect("a civil date")
}

/// Plans every case of the dataset, oldest intake first.
fn plan(data: &Dataset, tests: &[TestRow], scale: Scale, seed: u64, today: i64) -> Vec<Plan> {
    let mut rng = Rng(seed ^ 0x0043_4153_4553);
    let town_of = |unit: &str| {
        data.units
            .iter()
            .find(|u| u.code == unit)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let day_of = |iso: &str| {
        let (y, m, d) = super::duty::parse_iso(iso);
        dates::days_from_civil(y, m, d)
    };
    let mut plans = Vec::new();
    let serious = [
        AllegationKind::Corruption,
        AllegationKind::CriminalLinks,
        AllegationKind::Extortion,
    ];
    for o in &data.officers {
        let Some(on) = o.status_changed_on.as_deref() else {
            continue;
        };
        let (kind, outcome, days) = match o.status {
            "dismissed" => (*rng.pick(&serious), "dismissed", None),
            "suspended" => (
                *rng.pick(&[AllegationKind::Negligence, AllegationKind::AbuseOfForce]),
                "suspended",
                Some([30, 60, 90][rng.below(3) as usize]),
            ),
            _ => continue,
        };
        let decided = day_of(on);
        let hired = day_of(&o.hire_date);
        let intake = (decided - 60 - rng.below(150) as i64).max(hired + 1);
        let origin = *rng.pick(&[
            "confidence_test",
            "complaint",
            "complaint",
            "camera_review",
            "referral",
        ]);
        plans.push(Plan {
            intake_day: intake,
            origin,
            badge: o.badge_number.clone(),
            kind,
            finding: Finding::Sustained,
            stage: if decided < today - 60 && (o.status == "dismissed" || rng.unit() < 0.5) {
                Stage::Closed
            } else {
                Stage::Decided
            },
            decision: Some((outcome, days, decided)),
            sealed: rng.unit() < 0.05,
            town: town_of(&o.unit_code),
            unit: o.unit_code.clone(),
            complainant: if origin == "complaint" {
                COMPLAINANTS[rng.below(2) as usize]
            } else {
                "none"
            },
        });
    }
    let active: Vec<&super::OfficerRow> = data
        .officers
        .iter()
        .filter(|o| o.status == "active")
        .collect();
    let total = match scale {
        Scale::Small => plans.len() + 300,
        Scale::National => 20_000,
    };
    let open = match scale {
        Scale::Small => 80,
        Scale::National => 800,
    };
    // Decided and closed cases that did not end in a dismissal.
    let y2012 = dates::days_from_civil(2012, 1, 1);
    while plans.len() + open < total {
        let o = *rng.pick(&active);
        let hired = day_of(&o.hire_date);
        let first = y2012.max(hired + 30);
        if first >= today - 120 {
            continue;
        }
        let intake = first + rng.below((today - 120 - first) as u64) as i64;
        let kind = *rng.pick(AllegationKind::ALL);
        let (finding, outcome) = match rng.below(4) {
            0 => (Finding::Sustained, "reprimand"),
            1 => (Finding::NotSustained, "cleared"),
            2 => (Finding::Unfounded, "cleared"),
            _ => (Finding::Exonerated, "cleared"),
        };
        let decided = intake + 60 + rng.below(60) as i64;
        let origin = *rng.pick(&[
            "complaint",
            "complaint",
            "camera_review",
            "referral",
            "badge_anomaly",
        ]);
        plans.push(Plan {
            intake_day: intake,
            origin,
            badge: o.badge_number.clone(),
            kind,
            finding,
            stage: if rng.unit() < 0.1 {
                Stage::Decided
            } else {
                Stage::Closed
            },
            decision: Some((outcome, None, decided)),
            sealed: false,
            town: town_of(&o.unit_code),
            unit: o.unit_code.clone(),
            complainant: if origin == "complaint" {
                "anonymous"
            } else {
                "none"
            },
        });
    }
    // Open cases in every state; the oldest ones are overdue.
    let failed: Vec<&TestRow> = tests.iter().filter(|t| t.result == "fail").collect();
    for i in 0..open {
        let stage = [
            Stage::Intake,
            Stage::Investigation,
            Stage::Investigation,
            Stage::SupervisorReview,
            Stage::MinistryReview,
        ][i % 5];
        let age = 5 + rng.below(160) as i64;
        let (badge, origin, unit) = if i % 4 == 0 && !failed.is_empty() {
            let t = *rng.pick(&failed);
            let o = data
                .officers
                .iter()
                .find(|o| o.badge_number == t.badge_number)
                .expect("tested officer");
            if o.status != "active" {
                continue;
            }
            (
                o.badge_number.clone(),
                "confidence_test",
                o.unit_code.clone(),
            )
        } else {
            let o = *rng.pick(&active);
            let origin = if i % 4 == 1 {
                "camera_review"
            } else {
                "complaint"
            };
            (o.badge_number.clone(), origin, o.unit_code.clone())
        };
        let kind = *rng.pick(AllegationKind::ALL);
        plans.push(Plan {
            intake_day: today - age,
            origin,
            badge,
            kind,
            finding: if stage >= Stage::SupervisorReview {
                Finding::Sustained
            } else {
                Finding::Pending
            },
            stage,
            decision: None,
            sealed: i % 7 == 3,
            town: town_of(&unit),
            unit,
            complainant: if origin == "complaint" {
                COMPLAINANTS[rng.below(2) as usize]
            } else {
                "none"
            },
        });
    }
    plans.sort_by_key(|p| p.intake_day);
    plans
}

/// Records the planned cases in the demo's transaction; answers how many.
pub async fn load(
    tx: &mut AuditedTx,
    who: &Principal,
    data: &Dataset,
    tests: &[TestRow],
    scale: Scale,
    seed: u64,
) -> Result<usize, DemoError> {
    let write = authorize(who, act::WriteCases, Object::Any)?;
    let supervise = authorize(who, act::SuperviseCases, Object::Any)?;
    let decide = authorize(who, act::DecideCase, Object::Any)?;
    let deadlines = CaseDeadlines::default();
    let now = dates::now_ms();
    let today_day = (now / 1_000 - 6 * 3_600).div_euclid(86_400);
    let today = date(today_day);
    let investigators: Vec<String> = sqlx::query(
        "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role = 'investigator' AND u.disabled = 0 ORDER BY u.username",
    )
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let plans = plan(data, tests, scale, seed, today_day);
    let mut rng = Rng(seed ^ 0x4e4f_5445);
    for (i, p) in plans.iter().enumerate() {
        let mut rng_title = Rng(seed ^ i as u64);
        let input = CaseInput {
            title: title(&mut rng_title, p.kind, &p.town),
            summary: format!(
                "Hechos atribuidos al agente {} en {}. {} (datos de demostración)",
                p.badge,
                p.town,
                match p.origin {
                    "confidence_test" =>
                        "El caso se abrió por una prueba de confianza no superada.",
                    "camera_review" =>
                        "El caso se abrió por la revisión de las cámaras de la patrulla.",
                    "complaint" => "El caso se abrió por una denuncia ciudadana.",
                    "badge_anomaly" =>
                        "El caso se abrió por una anomalía en la ubicación de la placa.",
                    _ => "El caso fue remitido por otra dependencia.",
                }
            ),
            origin: p.origin.into(),
            intake_on: dates::iso_date(p.intake_day),
            unit: p.unit.clone(),
            complainant: p.complainant.into(),
            complainant_name: if p.complainant == "named" {
                format!(
                    "{} {}",
                    rng.pick(super::names::GIVEN_FEMALE),
                    rng.pick(super::names::FAMILY)
                )
            } else {
                String::new()
            },
            complainant_contact: if p.complainant == "named" {
                format!("5{:03}-{:04}", rng.below(1_000), rng.below(10_000))
            } else {
                String::new()
            },
            accused: p.badge.clone(),
            ..CaseInput::default()
        };
        let number = write::create_case_in(tx, &write, "local", &deadlines, &input, today).await?;
        let subject: i64 = sqlx::query(
            "SELECT s.id FROM case_subjects s JOIN cases c ON c.id = s.case_id WHERE c.number = $1",
        )
        .bind(&number)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        let allegation =
            write::add_allegation_in(tx, &write, "local", &number, subject, p.kind).await?;
        link_evidence(tx, &write, &number, p).await?;
        if p.decision.is_none() && !investigators.is_empty() {
            let to = &investigators[i % investigators.len()];
            write::assign_in(tx, &supervise, "local", &number, to).await?;
        }
        if p.sealed {
            write::set_sealed_in(tx, &supervise, "local", &number, true).await?;
        }
        let day = |offset: i64| date((p.intake_day + offset).min(today_day));
        if p.stage >= Stage::Investigation {
            write::move_in(
                tx,
                &write,
                "local",
                &deadlines,
                &number,
                CaseMove::Start,
                "",
                day(2),
            )
            .await?;
            stage_began(tx, &number, day(2)).await?;
            if p.decision.is_none() || i % 10 == 0 {
                let note = *rng.pick(NOTES);
                write::add_note_in(tx, &write, "local", &number, note, None).await?;
            }
            if p.finding != Finding::Pending {
                write::record_finding_in(tx, &write, "local", &number, allegation, p.finding)
                    .await?;
            }
        }
        if p.stage >= Stage::SupervisorReview {
            let at = p
                .decision
                .map(|(_, _, d)| d - p.intake_day - 20)
                .unwrap_or(60)
                .max(3);
            write::move_in(
                tx,
                &write,
                "local",
                &deadlines,
                &number,
                CaseMove::SendToReview,
                "",
                day(at),
            )
            .await?;
            stage_began(tx, &number, day(at)).await?;
        }
        if p.stage >= Stage::MinistryReview {
            let at = p
                .decision
                .map(|(_, _, d)| d - p.intake_day - 10)
                .unwrap_or(70)
                .max(4);
            write::move_in(
                tx,
                &supervise,
                "local",
                &deadlines,
                &number,
                CaseMove::SendToMinistry,
                "",
                day(at),
            )
            .await?;
            stage_began(tx, &number, day(at)).await?;
        }
        if let Some((outcome, days, decided)) = p.decision {
            let basis = match outcome {
                "dismissed" => "Se comprobó la participación del agente en actividades delictivas (datos de demostración).",
                "suspended" => "Falta grave comprobada en el servicio (datos de demostración).",
                "reprimand" => "Falta leve comprobada (datos de demostración).",
                _ => "No se comprobaron los hechos denunciados (datos de demostración).",
            };
            let input = DecisionInput {
                subject,
                outcome: outcome.into(),
                days: days.map(|d| d.to_string()).unwrap_or_default(),
                basis: basis.into(),
                decided_on: dates::iso_date(decided.min(today_day)),
            };
            write::decide_in(tx, &decide, "local", &number, &input, today).await?;
            stage_began(tx, &number, date(decided.min(today_day))).await?;
        }
        if p.stage == Stage::Closed {
            let at = p
                .decision
                .map(|(_, _, d)| d - p.intake_day + 30)
                .unwrap_or(120);
            write::move_in(
                tx,
                &supervise,
                "local",
                &deadlines,
                &number,
                CaseMove::Close,
                "",
                day(at),
            )
            .await?;
            stage_began(tx, &number, day(at)).await?;
        }
    }
    Ok(plans.len())
}

/// Dates the case's current stage as the story has it: the services record
/// the moment a stage began as the moment they ran, and a demo case decided
/// in 2012 was sent to the ministry in 2012, not at load time (the decision
/// may not precede it, and the ministry's queue sorts by it). Noon, in the
/// configured zone, of `day`.
async fn stage_began(tx: &mut AuditedTx, number: &str, day: NaiveDate) -> Result<(), DemoError> {
    let noon = day.and_hms_opt(12, 0, 0).unwrap_or_default();
    let at = app::time::zone()
        .from_local_datetime(&noon)
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    sqlx::query("UPDATE cases SET status_changed_at = $1 WHERE number = $2")
        .bind(at)
        .bind(number)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The evidence a demo case opened from a test or a camera review rests
/// on: the accused's failed test, or a segment from the cabin camera of a
/// car the accused drove (when the demo has one), linked with why.
async fn link_evidence(
    tx: &mut AuditedTx,
    write: &app::policy::Permit<act::WriteCases>,
    number: &str,
    p: &Plan,
) -> Result<(), DemoError> {
    match p.origin {
        "confidence_test" => {
            let test: Option<i64> = sqlx::query(
                "SELECT t.id FROM confidence_tests t JOIN officers o ON o.id = t.officer_id \
                 WHERE o.badge_number = $1 AND t.result = 'fail' ORDER BY t.taken_on DESC LIMIT 1",
            )
            .bind(&p.badge)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
            if let Some(test) = test {
                app::cases::evidence::link_test_in(
                    tx,
                    write,
                    "local",
                    number,
                    test,
                    "La prueba no superada que dio origen al caso.",
                )
                .await?;
            }
        }
        "camera_review" => {
            let segment: Option<(String, i64, i64)> = sqlx::query(
                "SELECT f.segment, f.starts_at, f.ends_at FROM officers o \
                 JOIN vehicle_assignments va ON va.officer_id = o.id \
                 JOIN cameras c ON c.vehicle_id = va.vehicle_id AND c.placement = 'cabin' \
                 JOIN footage_segments f ON f.camera_id = c.id AND f.starts_at >= va.starts_at AND f.starts_at < va.ends_at \
                 WHERE o.badge_number = $1 ORDER BY f.starts_at LIMIT 1",
            )
            .bind(&p.badge)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()?;
            if let Some((segment, starts, ends)) = segment {
                // A minute of the segment, from its second minute (a short
                // segment: all of it).
                let range =
                    (ends - starts >= 180_000).then_some((starts + 60_000, starts + 120_000));
                app::cases::evidence::link_footage_in(
                    tx,
                    write,
                    "local",
                    number,
                    &segment,
                    range,
                    "La cámara de cabina muestra el hecho revisado.",
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}
