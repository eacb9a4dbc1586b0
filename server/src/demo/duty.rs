//! The demo's duty records: vehicle assignments (two 12-hour shifts a day
//! across the fleet, for the last days) and confidence tests (a share of
//! the officers, some failed). Pure and deterministic for a seed (and, for
//! shifts, the first day).

use std::collections::BTreeMap;

use super::{dates, names, Dataset, Rng};

/// A vehicle assignment: who, which car, when (ms, UTC), driver or crew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub badge_number: String,
    pub plate: String,
    pub from: i64,
    pub to: i64,
    pub role: &'static str,
}

/// A confidence test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRow {
    pub badge_number: String,
    pub kind: &'static str,
    pub date: String,
    pub result: &'static str,
    pub examiner: String,
    pub notes: String,
}

const HOUR_MS: i64 = 3_600_000;

/// Shifts for `days` days from `first_day` (days since 1970-01-01): a day
/// shift 06:00–18:00 and a night shift 18:00–06:00 (Guatemala time), each
/// with a driver and one crew member from the car's station. An officer
/// works at most one shift a day, so no one is in two cars at once; duty
/// rotates day by day. About one shift in twenty is not staffed (the car in
/// the workshop), and a station with too few officers leaves its last cars
/// unstaffed.
pub fn shifts(data: &Dataset, seed: u64, first_day: i64, days: i64) -> Vec<ShiftRow> {
    let mut rng = Rng(seed ^ 0x5348_4946_5453);
    let mut crews: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in data.officers.iter().filter(|o| o.status == "active") {
        crews
            .entry(o.unit_code.as_str())
            .or_default()
            .push(o.badge_number.as_str());
    }
    let mut cars: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for v in &data.vehicles {
        cars.entry(v.unit_code.as_str())
            .or_default()
            .push(v.plate.as_str());
    }
    let mut rows = Vec::new();
    for (station, plates) in &cars {
        let Some(crew) = crews.get(station) else {
            continue;
        };
        let n = crew.len();
        for day in first_day..first_day + days {
            let start = dates::local_midnight_ms(day);
            // Rotate the station's roster a little each day.
            let mut next = ((day - first_day) as usize * 3) % n.max(1);
            let mut used = 0;
            for plate in plates {
                for (from_h, to_h) in [(6, 18), (18, 30)] {
                    if rng.unit() < 0.05 || used + 2 > n {
                        continue;
                    }
                    for role in ["driver", "crew"] {
                        rows.push(ShiftRow {
                            badge_number: crew[next % n].to_string(),
                            plate: (*plate).to_string(),
                            from: start + from_h * HOUR_MS,
                            to: start + to_h * HOUR_MS,
                            role,
                        });
                        next += 1;
                        used += 1;
                    }
                }
            }
        }
    }
    rows
}

const KINDS: &[&str] = &[
    "polygraph",
    "background",
    "assets",
    "toxicology",
    "psychological",
];

const FAIL_NOTES: &[&str] = &[
    "Reacciones significativas en preguntas sobre vínculos con terceros.",
    "Incremento patrimonial no justificado con los ingresos declarados.",
    "Resultado positivo confirmado por segunda muestra.",
    "Antecedente de denuncia no declarado en el ingreso.",
    "Inconsistencias en la declaración de bienes de familiares.",
];

/// Confidence tests for about a third of the officers (dismissed officers
/// more often, and with a failed test among them), dated between the hire
/// date and `reference_day`.
pub fn tests(data: &Dataset, seed: u64, reference_day: i64) -> Vec<TestRow> {
    let mut rng = Rng(seed ^ 0x0054_4553_5453);
    let mut rows = Vec::new();
    for o in &data.officers {
        let dismissed = o.status == "dismissed";
        let share = if dismissed { 0.9 } else { 0.33 };
        if rng.unit() >= share {
            continue;
        }
        let (y, m, d) = parse_iso(&o.hire_date);
        let hired = dates::days_from_civil(y, m, d);
        let span = (reference_day - hired).max(1) as u64;
        let count = 1 + rng.below(3) as usize;
        let mut days_used = Vec::new();
        for k in 0..count {
            let kind = if k == 0 {
                "polygraph"
            } else {
                KINDS[rng.below(KINDS.len() as u64) as usize]
            };
            let day = hired + 1 + rng.below(span) as i64;
            if days_used.contains(&(kind, day)) {
                continue;
            }
            days_used.push((kind, day));
            let roll = rng.unit();
            let result = if (dismissed && k == 0) || roll < 0.06 {
                "fail"
            } else if roll < 0.12 {
                "inconclusive"
            } else {
                "pass"
            };
            let notes = if result == "fail" {
                FAIL_NOTES[rng.below(FAIL_NOTES.len() as u64) as usize].to_string()
            } else {
                String::new()
            };
            let examiner = format!(
                "Lic. {} {}",
                rng.pick(names::GIVEN_FEMALE),
                rng.pick(names::FAMILY)
            );
            rows.push(TestRow {
                badge_number: o.badge_number.clone(),
                kind,
                date: dates::iso_date(day),
                result,
                examiner,
                notes,
            });
        }
    }
    rows
}

pub fn parse_iso(s: &str) -> (i32, u32, u32) {
    let mut parts = s.split('-');
    let mut next = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
    (next() as i32, next(), next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, Scale};
    use std::collections::HashMap;

    #[test]
    fn no_officer_is_in_two_cars_at_once_and_no_shift_exceeds_a_day() {
        let data = generate(Scale::Small, 2013);
        let rows = shifts(&data, 2013, 20_000, 7);
        assert!(rows.len() > 20_000, "only {} assignments", rows.len());
        let mut by_officer: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
        for r in &rows {
            assert!(r.to > r.from && r.to - r.from <= 24 * HOUR_MS);
            by_officer
                .entry(&r.badge_number)
                .or_default()
                .push((r.from, r.to));
        }
        for spans in by_officer.values_mut() {
            spans.sort();
            for w in spans.windows(2) {
                assert!(w[0].1 <= w[1].0, "overlapping shifts {w:?}");
            }
        }
    }

    #[test]
    fn some_officers_failed_a_test_and_tests_follow_the_hire_date() {
        let data = generate(Scale::Small, 2013);
        let rows = tests(&data, 2013, dates::days_from_civil(2026, 9, 30));
        let failed = rows.iter().filter(|t| t.result == "fail").count();
        assert!(
            failed > 50 && failed < rows.len() / 4,
            "{failed} of {}",
            rows.len()
        );
        let hired: HashMap<&str, &str> = data
            .officers
            .iter()
            .map(|o| (o.badge_number.as_str(), o.hire_date.as_str()))
            .collect();
        assert!(rows
            .iter()
            .all(|t| t.date.as_str() > hired[t.badge_number.as_str()]));
    }
}
