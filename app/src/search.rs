//! Folding text for search: lower case, accents removed, so that what
//! people type without accents (or in capitals) finds the record.

/// `Xicará Peña` → `xicara pena`.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// The search key of an officer: names and badge number, folded.
pub fn officer_key(badge_number: &str, given_names: &str, family_names: &str) -> String {
    fold(&format!("{badge_number} {given_names} {family_names}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_spanish_accents_and_case() {
        assert_eq!(fold("Xicará Peña"), "xicara pena");
        assert_eq!(fold("ÁNGEL Güegüense"), "angel gueguense");
        assert_eq!(
            officer_key("10417", "José Ángel", "Ajú Cux"),
            "10417 jose angel aju cux"
        );
    }
}
