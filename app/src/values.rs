//! Values that can only be built valid (parse, don't validate): a badge
//! number, a vehicle's plate, a badge chip's id, a position on the earth. Each `parse` cleans what
//! was typed (spaces, case) and says why it refuses; the value then goes
//! through the store and the pages as its own type, so a plate cannot be
//! passed where a badge number is wanted. On the wire and in the database
//! each is its text.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::problem::Problem;

macro_rules! text_value {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(String);

        /// Read as text wherever text is wanted; built only by `parse`.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        /// Read back as it was sent, checked again.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).map_err(|p| serde::de::Error::custom(p.english()))
            }
        }
    };
}

text_value! {
    /// An officer's badge number (NIP): 3 to 10 digits.
    BadgeNumber
}

text_value! {
    /// A vehicle's plate, in capitals (`PNC-0451`): 2 to 16 letters, digits
    /// and hyphens, starting with a letter or digit.
    Plate
}

text_value! {
    /// A badge chip's id, in capitals (`CHIP-0004211`): at most 40 letters,
    /// digits and hyphens.
    ChipId
}

impl BadgeNumber {
    pub fn parse(s: &str) -> Result<BadgeNumber, Problem> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if !(3..=10).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::NotABadgeNumber {
                given: s.to_string(),
            });
        }
        Ok(BadgeNumber(s.to_string()))
    }
}

impl Plate {
    pub fn parse(s: &str) -> Result<Plate, Problem> {
        let plate = s.trim().to_uppercase();
        if plate.is_empty() {
            return Err(Problem::Required);
        }
        let plain = plate.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !(2..=16).contains(&plate.len()) || !plain || plate.starts_with('-') {
            return Err(Problem::NotAPlate { given: plate });
        }
        Ok(Plate(plate))
    }
}

impl ChipId {
    pub fn parse(s: &str) -> Result<ChipId, Problem> {
        let id = s.trim().to_uppercase();
        if id.is_empty() {
            return Err(Problem::Required);
        }
        if id.len() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Problem::NotAChipId);
        }
        Ok(ChipId(id))
    }
}

/// A position on the earth, WGS 84 degrees: `lat` in -90..90, `lon` in
/// -180..180, both finite (API.md, pings). Built only by [`Position::new`];
/// on the wire `{"lat": …, "lon": …}`, checked again when read back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Position {
    lat: f64,
    lon: f64,
}

impl Position {
    pub fn new(lat: f64, lon: f64) -> Result<Position, (crate::problem::Field, Problem)> {
        use crate::problem::Field;
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err((
                Field::Lat,
                Problem::OutsideRange {
                    given: lat.to_string(),
                    range: "-90..90".into(),
                },
            ));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err((
                Field::Lon,
                Problem::OutsideRange {
                    given: lon.to_string(),
                    range: "-180..180".into(),
                },
            ));
        }
        Ok(Position { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }
}

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            lat: f64,
            lon: f64,
        }
        let raw = Raw::deserialize(d)?;
        Position::new(raw.lat, raw.lon)
            .map_err(|(field, p)| serde::de::Error::custom(format!("{field}: {}", p.english())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_is_on_the_earth_or_refused_naming_the_coordinate() {
        use crate::problem::Field;
        let p = Position::new(14.6349, -90.5069).unwrap();
        assert_eq!((p.lat(), p.lon()), (14.6349, -90.5069));
        assert!(Position::new(90.0, 180.0).is_ok() && Position::new(-90.0, -180.0).is_ok());
        let (field, problem) = Position::new(123.4, 0.0).unwrap_err();
        assert_eq!(field, Field::Lat);
        assert_eq!(problem.english(), "123.4 is outside -90..90");
        assert_eq!(Position::new(0.0, f64::NAN).unwrap_err().0, Field::Lon);
        assert_eq!(Position::new(0.0, -180.5).unwrap_err().0, Field::Lon);
        assert_eq!(Position::new(f64::INFINITY, 0.0).unwrap_err().0, Field::Lat);
        let wire = serde_json::to_string(&p).unwrap();
        assert_eq!(wire, r#"{"lat":14.6349,"lon":-90.5069}"#);
        assert_eq!(serde_json::from_str::<Position>(&wire).unwrap(), p);
        let refused = serde_json::from_str::<Position>(r#"{"lat":91,"lon":0}"#).unwrap_err();
        assert!(
            refused.to_string().contains("lat: 91 is outside -90..90"),
            "{refused}"
        );
    }

    #[test]
    fn values_are_cleaned_or_refused_with_the_reason() {
        assert_eq!(BadgeNumber::parse(" 10417 ").unwrap().as_str(), "10417");
        assert!(BadgeNumber::parse("10-417").is_err());
        assert!(BadgeNumber::parse("12").is_err());
        assert_eq!(BadgeNumber::parse(" ").unwrap_err(), Problem::Required);

        assert_eq!(Plate::parse(" pnc-0451 ").unwrap().as_str(), "PNC-0451");
        assert!(matches!(
            Plate::parse("PNC 0451"),
            Err(Problem::NotAPlate { .. })
        ));
        assert!(Plate::parse("-PNC").is_err());

        assert_eq!(ChipId::parse(" chip-0001 ").unwrap().as_str(), "CHIP-0001");
        assert!(ChipId::parse("chip 1").is_err());
        assert_eq!(ChipId::parse("").unwrap_err(), Problem::Required);
    }

    #[test]
    fn on_the_wire_a_value_is_its_text_and_is_checked_coming_back() {
        let plate = Plate::parse("pnc-0451").unwrap();
        assert_eq!(serde_json::to_string(&plate).unwrap(), "\"PNC-0451\"");
        assert_eq!(
            serde_json::from_str::<Plate>("\"PNC-0451\"").unwrap(),
            plate
        );
        assert!(serde_json::from_str::<BadgeNumber>("\"abc\"").is_err());
    }
}
