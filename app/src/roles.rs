//! The roles a person may hold (DESIGN.md "People and roles"): at the bottom
//! of the crate, beside the policy that reads them.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, Field, Problem};

/// What a person may be, one or several at once (DESIGN.md "People and roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Investigator,
    Supervisor,
    Ministry,
    Auditor,
    Monitor,
    Admin,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Investigator,
        Role::Supervisor,
        Role::Ministry,
        Role::Auditor,
        Role::Monitor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Investigator => "investigator",
            Role::Supervisor => "supervisor",
            Role::Ministry => "ministry",
            Role::Auditor => "auditor",
            Role::Monitor => "monitor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(s: &str) -> Result<Role, AppError> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::validation(
                    Field::Roles,
                    Problem::NotARole {
                        given: s.to_string(),
                        allowed: Role::ALL
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    },
                )
            })
    }
}

/// Parses a comma-separated list of roles.
pub fn parse_roles(list: &str) -> Result<Vec<Role>, AppError> {
    list.split(',')
        .filter(|r| !r.trim().is_empty())
        .map(Role::parse)
        .collect()
}
