//! Closed lists of codes (ranks, statuses, kinds of test, results, roles in
//! a vehicle): one enum each, shared by the server and the browser build.
//! A code is stored and sent as its text (`oficial_tercero`), shown by its
//! translated label, and parsed back only into one of its variants, so a
//! value that is not on the list cannot be built.

use std::fmt;

use crate::i18n::{td_string, Locale};

/// A stored code that is on none of its list's variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub list: &'static str,
    pub code: String,
}

/// Declares a code enum: each variant with its stored text and the
/// translation key of its label.
macro_rules! codes {
    ($(
        $(#[$meta:meta])*
        $name:ident { $( $variant:ident = $code:literal => $key:ident ),+ $(,)? }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant ),+ }

        impl $name {
            /// Every code, in the list's own order.
            pub const ALL: &'static [$name] = &[$( $name::$variant ),+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// The code whose stored text is `code`, exactly.
            pub fn parse(code: &str) -> Option<$name> {
                match code { $( $code => Some($name::$variant), )+ _ => None }
            }

            /// The label in `locale`.
            pub fn label(self, locale: Locale) -> &'static str {
                match self { $( $name::$variant => td_string!(locale, $key) ),+ }
            }

            /// A code read back from the database: one not on the list is
            /// a damaged record (answered as an internal error, and logged,
            /// by `AppError::from`).
            pub fn from_stored(text: &str) -> Result<$name, UnknownCode> {
                $name::parse(text).ok_or_else(|| UnknownCode {
                    list: stringify!($name),
                    code: text.to_string(),
                })
            }

            /// Every stored text, for a message that lists them.
            pub fn codes() -> Vec<&'static str> {
                $name::ALL.iter().map(|c| c.as_str()).collect()
            }

            /// Position in the list (the rank ladder's order).
            pub fn index(self) -> usize {
                self as usize
            }
        }

        /// The first on the list (the lowest rank, an active officer).
        impl Default for $name {
            fn default() -> Self {
                $name::ALL[0]
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "{text:?} is not one of {}",
                        $name::codes().join(", ")
                    ))
                })
            }
        }

    )+};
}

codes! {
    /// The PNC rank ladder, lowest first.
    Rank {
        Agente = "agente" => rank_agente,
        Subinspector = "subinspector" => rank_subinspector,
        Inspector = "inspector" => rank_inspector,
        OficialTercero = "oficial_tercero" => rank_oficial_tercero,
        OficialSegundo = "oficial_segundo" => rank_oficial_segundo,
        OficialPrimero = "oficial_primero" => rank_oficial_primero,
        Subcomisario = "subcomisario" => rank_subcomisario,
        Comisario = "comisario" => rank_comisario,
        ComisarioGeneral = "comisario_general" => rank_comisario_general,
        SubdirectorGeneral = "subdirector_general" => rank_subdirector_general,
        DirectorGeneralAdjunto = "director_general_adjunto" => rank_director_general_adjunto,
        DirectorGeneral = "director_general" => rank_director_general,
    }

    /// An officer's status.
    OfficerStatus {
        Active = "active" => status_active,
        Suspended = "suspended" => status_suspended,
        Dismissed = "dismissed" => status_dismissed,
        Retired = "retired" => status_retired,
    }

    /// An officer's role in a vehicle assignment.
    AssignmentRole {
        Driver = "driver" => role_driver,
        Crew = "crew" => role_crew,
    }

    /// A kind of confidence test.
    TestKind {
        Polygraph = "polygraph" => kind_polygraph,
        Background = "background" => kind_background,
        Assets = "assets" => kind_assets,
        Toxicology = "toxicology" => kind_toxicology,
        Psychological = "psychological" => kind_psychological,
    }

    /// What checking a footage file against its stored SHA-256 found.
    VerifyResult {
        Match = "match" => verify_match,
        Mismatch = "mismatch" => verify_mismatch,
        Unreadable = "unreadable" => verify_unreadable,
    }

    /// A confidence test's result.
    TestResult {
        Pass = "pass" => result_pass,
        Fail = "fail" => result_fail,
        Inconclusive = "inconclusive" => result_inconclusive,
    }

    /// Where a case stands in its workflow (DESIGN.md, "Case workflow").
    CaseStatus {
        Intake = "intake" => case_status_intake,
        Investigation = "investigation" => case_status_investigation,
        SupervisorReview = "supervisor_review" => case_status_supervisor_review,
        MinistryReview = "ministry_review" => case_status_ministry_review,
        Decided = "decided" => case_status_decided,
        Closed = "closed" => case_status_closed,
    }

    /// How a case came in.
    CaseOrigin {
        Complaint = "complaint" => case_origin_complaint,
        ConfidenceTest = "confidence_test" => case_origin_confidence_test,
        CameraReview = "camera_review" => case_origin_camera_review,
        BadgeAnomaly = "badge_anomaly" => case_origin_badge_anomaly,
        Referral = "referral" => case_origin_referral,
        EarlyWarning = "early_warning" => case_origin_early_warning,
    }

    /// An officer's part in a case.
    SubjectRole {
        Accused = "accused" => subject_accused,
        Witness = "witness" => subject_witness,
        Involved = "involved" => subject_involved,
    }

    /// What an accused officer is alleged to have done.
    AllegationKind {
        Corruption = "corruption" => allegation_corruption,
        CriminalLinks = "criminal_links" => allegation_criminal_links,
        Extortion = "extortion" => allegation_extortion,
        AbuseOfForce = "abuse_of_force" => allegation_abuse_of_force,
        Negligence = "negligence" => allegation_negligence,
        Other = "other" => allegation_other,
    }

    /// What the investigation found of an allegation.
    Finding {
        Pending = "pending" => finding_pending,
        Sustained = "sustained" => finding_sustained,
        NotSustained = "not_sustained" => finding_not_sustained,
        Exonerated = "exonerated" => finding_exonerated,
        Unfounded = "unfounded" => finding_unfounded,
    }

    /// A step of a case's workflow that someone takes.
    CaseMove {
        Start = "start_investigation" => case_move_start,
        SendToReview = "send_to_review" => case_move_send_to_review,
        Return = "return_to_investigation" => case_move_return,
        SendToMinistry = "send_to_ministry" => case_move_send_to_ministry,
        Appeal = "appeal" => case_move_appeal,
        Close = "close" => case_move_close,
    }

    /// The ministry's decision on an accused officer.
    Outcome {
        Dismissed = "dismissed" => outcome_dismissed,
        Suspended = "suspended" => outcome_suspended,
        Reprimand = "reprimand" => outcome_reprimand,
        Cleared = "cleared" => outcome_cleared,
        ReferredToProsecutor = "referred_to_prosecutor" => outcome_referred_to_prosecutor,
    }
}

impl OfficerStatus {
    /// Whether this status comes only from a ministry decision on a case
    /// (a dismissal, a suspension), never from a form or an import.
    pub fn by_decision(self) -> bool {
        matches!(self, OfficerStatus::Dismissed | OfficerStatus::Suspended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_go_out_and_come_back_as_their_text() {
        for rank in Rank::ALL {
            assert_eq!(Rank::parse(rank.as_str()), Some(*rank));
            let wire = serde_json::to_string(rank).unwrap();
            assert_eq!(serde_json::from_str::<Rank>(&wire).unwrap(), *rank);
        }
        assert_eq!(Rank::parse("sargento"), None);
        assert!(serde_json::from_str::<TestResult>("\"maybe\"").is_err());
        assert!(Rank::Agente < Rank::DirectorGeneral, "the ladder's order");
    }

    #[test]
    fn every_code_has_a_label_in_both_languages() {
        let labels = |locale| {
            Rank::ALL
                .iter()
                .map(|c| c.label(locale))
                .chain(OfficerStatus::ALL.iter().map(|c| c.label(locale)))
                .chain(AssignmentRole::ALL.iter().map(|c| c.label(locale)))
                .chain(TestKind::ALL.iter().map(|c| c.label(locale)))
                .chain(TestResult::ALL.iter().map(|c| c.label(locale)))
                .chain(CaseStatus::ALL.iter().map(|c| c.label(locale)))
                .chain(CaseOrigin::ALL.iter().map(|c| c.label(locale)))
                .chain(SubjectRole::ALL.iter().map(|c| c.label(locale)))
                .chain(AllegationKind::ALL.iter().map(|c| c.label(locale)))
                .chain(Finding::ALL.iter().map(|c| c.label(locale)))
                .chain(Outcome::ALL.iter().map(|c| c.label(locale)))
                .collect::<Vec<_>>()
        };
        assert_eq!(OfficerStatus::Suspended.label(Locale::es), "suspendido");
        assert_eq!(OfficerStatus::Suspended.label(Locale::en), "suspended");
        assert!(labels(Locale::es)
            .iter()
            .chain(labels(Locale::en).iter())
            .all(|l| !l.is_empty()));
    }
}
