//! How numbers are written on the pages and in messages, and fields in the
//! CSV exports, in one place. (Times and dates: [`crate::time`].)

/// Formats a count with thousands separators (Guatemala writes 40,000 in
/// Spanish as in English).
pub fn format_count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes as people read it, in binary units: `64 MiB`,
/// `1.5 KiB`, `900 B` (a whole number is written without decimals).
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A field of a CSV export: quoted when it must be, and defused when a
/// spreadsheet would take it for a formula (a leading `=`, `+`, `-`, `@`,
/// tab or carriage return gets a `'` before it; OWASP's CSV injection).
/// Every export writes its fields through this.
pub fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// A line of a CSV export (CRLF, as RFC 4180 says).
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::{csv_field, csv_line, format_bytes, format_count};

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(format_bytes(900), "900 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(format_bytes(50 * 1024 * 1024), "50 MiB");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        for formula in ["=cmd()", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"] {
            let written = csv_field(formula);
            assert!(
                written.trim_start_matches('"').starts_with('\''),
                "{formula:?} → {written:?}"
            );
        }
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_line(&["a", "=b"]), "a,'=b\r\n");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_300), "1,300");
        assert_eq!(format_count(40_000), "40,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
