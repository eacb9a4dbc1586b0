//! The case workflow's rules (server only): which step leads from which
//! status to which, whose step it is (an action the policy decides on),
//! and the stages' due dates. Pure: the write service applies them inside
//! its transaction.
//!
//! ```text
//! intake → investigation → supervisor_review → ministry_review → decided → closed
//!                 ↑ return ←──────┘                   ↑ appeal ←──┘
//! ```

use chrono::{Days, NaiveDate};

use super::{CaseMove, CaseStatus};
use crate::policy::{Action, CaseFacts};
pub use crate::state::CaseDeadlines;

/// A step: from, to, and the action whose holder takes it.
pub fn step(m: CaseMove) -> (CaseStatus, CaseStatus, Action) {
    use CaseStatus::*;
    match m {
        CaseMove::Start => (Intake, Investigation, Action::WriteCases),
        CaseMove::SendToReview => (Investigation, SupervisorReview, Action::WriteCases),
        CaseMove::Return => (SupervisorReview, Investigation, Action::SuperviseCases),
        CaseMove::SendToMinistry => (SupervisorReview, MinistryReview, Action::SuperviseCases),
        CaseMove::Appeal => (Decided, MinistryReview, Action::DecideCase),
        CaseMove::Close => (Decided, Closed, Action::SuperviseCases),
    }
}

/// Steps that need a written reason (returning a case, an appeal).
pub fn needs_reason(m: CaseMove) -> bool {
    matches!(m, CaseMove::Return | CaseMove::Appeal)
}

/// Whether the case's clock runs (it has a due date) in this status.
pub fn has_deadline(status: CaseStatus) -> bool {
    !matches!(status, CaseStatus::Decided | CaseStatus::Closed)
}

/// Whether officers and allegations may still be added: until the case
/// leaves internal affairs for the ministry.
pub fn subjects_open(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Intake | CaseStatus::Investigation | CaseStatus::SupervisorReview
    )
}

/// Whether findings may be recorded: while the case is investigated and
/// reviewed.
pub fn findings_open(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Investigation | CaseStatus::SupervisorReview
    )
}

/// What the policy decides on, from the stored columns.
pub fn facts(assigned_to: Option<i64>, sealed: bool, status: CaseStatus) -> CaseFacts {
    CaseFacts {
        assigned_to,
        sealed,
        sent_to_ministry: matches!(
            status,
            CaseStatus::MinistryReview | CaseStatus::Decided | CaseStatus::Closed
        ),
    }
}

fn plus(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// The due date of a new case.
pub fn due_at_intake(intake_on: NaiveDate, d: &CaseDeadlines) -> NaiveDate {
    plus(intake_on, d.investigation_days)
}

/// The due date once step `m` is taken `today`; `None` when the clock
/// stops (decided, closed). A case returned to investigation keeps its
/// investigation deadline, but gets at least the review period to answer
/// the supervisor's reasons.
pub fn due_after(
    m: CaseMove,
    today: NaiveDate,
    intake_on: NaiveDate,
    current: Option<NaiveDate>,
    d: &CaseDeadlines,
) -> Option<NaiveDate> {
    match m {
        CaseMove::Start => current.or(Some(due_at_intake(intake_on, d))),
        CaseMove::SendToReview => Some(plus(today, d.supervisor_review_days)),
        CaseMove::Return => {
            Some(due_at_intake(intake_on, d).max(plus(today, d.supervisor_review_days)))
        }
        CaseMove::SendToMinistry | CaseMove::Appeal => Some(plus(today, d.ministry_days)),
        CaseMove::Close => None,
    }
}

/// Whether a case is past its stage's due date on `today` (a paused clock
/// is not overdue).
pub fn overdue(due_on: Option<&str>, paused: bool, status: CaseStatus, today: &str) -> bool {
    has_deadline(status) && !paused && due_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_step_leads_forward_along_the_designed_path_or_back_where_designed() {
        use CaseStatus::*;
        let path = [
            Intake,
            Investigation,
            SupervisorReview,
            MinistryReview,
            Decided,
            Closed,
        ];
        for &m in CaseMove::ALL {
            let (from, to, _) = step(m);
            let (f, t) = (
                path.iter().position(|s| *s == from).unwrap(),
                path.iter().position(|s| *s == to).unwrap(),
            );
            match m {
                CaseMove::Return | CaseMove::Appeal => assert_eq!(t + 1, f, "{m:?} goes one back"),
                _ => assert_eq!(f + 1, t, "{m:?} goes one on"),
            }
        }
        // Only the ministry's decisions lead to `decided`.
        assert!(CaseMove::ALL.iter().all(|m| step(*m).1 != Decided));
    }

    #[test]
    fn stages_have_their_default_due_dates() {
        let d = CaseDeadlines::default();
        let intake = day("2026-01-10");
        assert_eq!(due_at_intake(intake, &d), day("2026-04-10"));
        let today = day("2026-03-01");
        assert_eq!(
            due_after(CaseMove::SendToReview, today, intake, None, &d),
            Some(day("2026-03-16"))
        );
        assert_eq!(
            due_after(CaseMove::SendToMinistry, today, intake, None, &d),
            Some(day("2026-03-31"))
        );
        // Returned late: at least the review period to answer.
        assert_eq!(
            due_after(CaseMove::Return, day("2026-04-09"), intake, None, &d),
            Some(day("2026-04-24"))
        );
        assert_eq!(due_after(CaseMove::Close, today, intake, None, &d), None);
        assert!(overdue(
            Some("2026-03-31"),
            false,
            CaseStatus::MinistryReview,
            "2026-04-01"
        ));
        assert!(!overdue(
            Some("2026-03-31"),
            true,
            CaseStatus::MinistryReview,
            "2026-04-01"
        ));
        assert!(!overdue(
            Some("2026-03-31"),
            false,
            CaseStatus::Decided,
            "2026-04-01"
        ));
        assert!(!overdue(
            Some("2026-03-31"),
            false,
            CaseStatus::Intake,
            "2026-03-31"
        ));
    }
}
