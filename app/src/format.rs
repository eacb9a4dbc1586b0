//! How numbers are written on the pages and in messages, in one place.
//! (Times and dates: [`crate::time`].)

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

#[cfg(test)]
mod tests {
    use super::format_count;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_300), "1,300");
        assert_eq!(format_count(40_000), "40,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
