//! The rules a record must meet before it is stored, field by field. The
//! forms and the CSV import both use these, so a value accepted from one is
//! accepted from the other. Each check returns the cleaned value or the
//! reason it is refused (the caller names the field).

use chrono::NaiveDate;

use crate::codes::{AssignmentRole, OfficerStatus, Rank, TestKind, TestResult};
use crate::problem::{Field, Problem};
use crate::values::{BadgeNumber, ChipId, Plate};

/// Shifts last at most this long.
pub const MAX_SHIFT_MS: i64 = 24 * 3600 * 1000;
/// The Policía Nacional Civil was founded in 1997: no earlier hire date.
pub const FIRST_HIRE_DATE: &str = "1997-01-01";

/// Badge numbers (NIP): 3 to 10 digits.
pub fn badge_number(s: &str) -> Result<BadgeNumber, Problem> {
    BadgeNumber::parse(s)
}

/// A badge chip's id: letters, digits and hyphens, at most 40; stored in
/// capitals.
pub fn chip_id(s: &str) -> Result<ChipId, Problem> {
    ChipId::parse(s)
}

/// A vehicle's plate, in capitals.
pub fn plate(s: &str) -> Result<Plate, Problem> {
    Plate::parse(s)
}

/// Given or family names: letters (any accent), spaces, hyphens,
/// apostrophes and periods; at most 100 characters; inner spaces collapsed.
pub fn name(s: &str) -> Result<String, Problem> {
    let cleaned = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(Problem::Required);
    }
    if cleaned.chars().count() > 100 {
        return Err(Problem::TooLong { max: "100".into() });
    }
    if let Some(c) = cleaned
        .chars()
        .find(|c| !(c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.')))
    {
        return Err(Problem::NameCharacter {
            character: c.to_string(),
        });
    }
    Ok(cleaned)
}

/// A rank as people write it: the code (`oficial_tercero`) or the ladder's
/// name (`Oficial Tercero`, `SUBCOMISARIO`, `Sub-inspector`), in any case,
/// with or without accents.
pub fn rank(s: &str) -> Result<Rank, Problem> {
    let key = crate::search::fold(s.trim())
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let key = match key.as_str() {
        // The ladder writes it in one word or two.
        "sub_inspector" => "subinspector".to_string(),
        "sub_comisario" => "subcomisario".to_string(),
        _ => key,
    };
    if let Some(rank) = Rank::parse(&key) {
        return Ok(rank);
    }
    match s.trim() {
        "" => Err(Problem::Required),
        given => Err(Problem::NotARank {
            given: given.to_string(),
        }),
    }
}

pub fn status(s: &str) -> Result<OfficerStatus, Problem> {
    one_of(s, OfficerStatus::parse, &OfficerStatus::codes())
}

pub fn assignment_role(s: &str) -> Result<AssignmentRole, Problem> {
    one_of(s, AssignmentRole::parse, &AssignmentRole::codes())
}

pub fn test_kind(s: &str) -> Result<TestKind, Problem> {
    one_of(s, TestKind::parse, &TestKind::codes())
}

pub fn test_result(s: &str) -> Result<TestResult, Problem> {
    one_of(s, TestResult::parse, &TestResult::codes())
}

fn one_of<T>(s: &str, parse: fn(&str) -> Option<T>, allowed: &[&str]) -> Result<T, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    parse(s).ok_or_else(|| Problem::not_one_of(s, allowed))
}

/// A calendar date `YYYY-MM-DD`, not after `today`.
pub fn past_date(s: &str, today: NaiveDate) -> Result<String, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Problem::NotADate {
        given: s.to_string(),
    })?;
    if d > today {
        return Err(Problem::DateInTheFuture {
            given: s.to_string(),
        });
    }
    Ok(d.format("%Y-%m-%d").to_string())
}

/// A hire date: a past date, not before the PNC existed.
pub fn hire_date(s: &str, today: NaiveDate) -> Result<String, Problem> {
    let d = past_date(s, today)?;
    if d.as_str() < FIRST_HIRE_DATE {
        return Err(Problem::BeforePncFounded { given: d });
    }
    Ok(d)
}

/// A DPI (national ID): 13 digits, spaces allowed; stored as
/// `NNNN NNNNN NNNN`. Empty means not known.
pub fn national_id(s: &str) -> Result<Option<String>, Problem> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Ok(None);
    }
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotANationalId);
    }
    Ok(Some(format!(
        "{} {} {}",
        &digits[0..4],
        &digits[4..9],
        &digits[9..13]
    )))
}

/// Free text that is required (an examiner's name, a reason).
pub fn required_text(s: &str, max_chars: usize) -> Result<String, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    optional_text(s, max_chars)
}

/// Free text that may be empty (notes).
pub fn optional_text(s: &str, max_chars: usize) -> Result<String, Problem> {
    let s = s.trim();
    if s.chars().count() > max_chars {
        return Err(Problem::TooLong {
            max: crate::format::format_count(max_chars as i64),
        });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Problem::ControlCharacters);
    }
    Ok(s.to_string())
}

/// An instant in ISO 8601, as milliseconds since the epoch (UTC); without
/// an offset, the time in the configured zone ([`crate::time`]).
pub fn instant(s: &str) -> Result<i64, Problem> {
    crate::time::parse_instant(s)
}

/// A shift: `to` after `from`, at most 24 hours long.
pub fn shift(from: i64, to: i64) -> Result<(), (Field, Problem)> {
    if to <= from {
        return Err((Field::To, Problem::EndsBeforeStart));
    }
    if to - from > MAX_SHIFT_MS {
        return Err((Field::To, Problem::ShiftTooLong));
    }
    Ok(())
}

/// `1732190400000` → `2024-11-21 06:00` in the configured zone.
pub fn local_time(ms: i64) -> String {
    crate::time::local_minute(ms)
}

#[cfg(test)]
mod tests {

    #[test]
    fn ranks_are_taken_as_people_write_them() {
        for (typed, code) in [
            ("Agente", "agente"),
            ("inspector", "inspector"),
            ("Oficial Tercero", "oficial_tercero"),
            ("OFICIAL  PRIMERO", "oficial_primero"),
            ("Subcomisario", "subcomisario"),
            ("Sub-comisario", "subcomisario"),
            ("Sub inspector", "subinspector"),
            ("Director General Adjunto", "director_general_adjunto"),
            ("comisario_general", "comisario_general"),
        ] {
            assert_eq!(rank(typed).map(Rank::as_str), Ok(code), "{typed}");
        }
        let err = rank("Sargento").unwrap_err().english();
        assert!(err.contains("\"Sargento\" is not a PNC rank"), "{err}");
        assert!(rank("  ").is_err());
    }

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn names_keep_accents_and_refuse_digits() {
        assert_eq!(name("  María  José ").unwrap(), "María José");
        assert_eq!(name("Xicará Peña-O'Neil").unwrap(), "Xicará Peña-O'Neil");
        assert!(name("R2D2").unwrap_err().english().contains("'2'"));
        assert_eq!(name("   ").unwrap_err(), Problem::Required);
    }

    #[test]
    fn chip_ids_are_capitalised_and_plain() {
        assert_eq!(chip_id(" chip-0001 ").unwrap().as_str(), "CHIP-0001");
        assert!(chip_id("chip 1").is_err());
        assert_eq!(chip_id("").unwrap_err(), Problem::Required);
    }

    #[test]
    fn badge_numbers_are_digits() {
        assert_eq!(badge_number(" 10417 ").unwrap().as_str(), "10417");
        assert!(badge_number("10-417").is_err());
        assert!(badge_number("12").is_err());
    }

    #[test]
    fn national_ids_are_thirteen_digits_in_dpi_groups() {
        assert_eq!(
            national_id("2456789011301").unwrap().as_deref(),
            Some("2456 78901 1301")
        );
        assert_eq!(national_id("").unwrap(), None);
        assert!(national_id("2456 7890 1301").is_err());
    }

    #[test]
    fn dates_are_iso_and_not_in_the_future() {
        assert_eq!(past_date("2026-11-28", today()).unwrap(), "2026-11-28");
        assert!(past_date("2026-11-29", today())
            .unwrap_err()
            .english()
            .contains("future"));
        assert!(past_date("28/11/2026", today())
            .unwrap_err()
            .english()
            .contains("not a date"));
        assert!(hire_date("1990-01-01", today())
            .unwrap_err()
            .english()
            .contains("1997"));
    }

    #[test]
    fn times_without_an_offset_are_guatemala_time() {
        let local = instant("2026-11-21T06:00").unwrap();
        let explicit = instant("2026-11-21T06:00:00-06:00").unwrap();
        let utc = instant("2026-11-21T12:00:00Z").unwrap();
        assert_eq!(local, explicit);
        assert_eq!(local, utc);
        assert_eq!(local_time(local), "2026-11-21 06:00");
        assert!(instant("ayer")
            .unwrap_err()
            .english()
            .contains("not a date and time"));
    }

    #[test]
    fn shifts_end_after_they_start_and_last_at_most_a_day() {
        let h = 3_600_000;
        assert!(shift(0, 12 * h).is_ok());
        assert!(shift(0, 24 * h).is_ok());
        assert_eq!(shift(0, 25 * h).unwrap_err().0, Field::To);
        assert!(shift(5, 5).is_err());
    }
}
