//! The one place that answers "may this actor do this action?".
//!
//! Every server function and API handler starts by asking (through
//! [`crate::identity::require`], which also resolves who is asking). The
//! answer, an [`Actor`], can only be made here (its fields are private), and
//! store functions that change data or read sensitive data take `&Actor`:
//! code that skips the check does not compile.
//!
//! The matrix is DESIGN.md's "The policy"; [`role_allows`] is its one
//! encoding. Object-level rules (own cases, sealed cases) join it with the
//! case workflow.

use crate::error::AppError;
use crate::identity::Role;

/// Who a request comes from, before the policy has looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in.
    Anonymous,
    /// A signed-in person.
    User {
        id: i64,
        username: String,
        roles: Vec<Role>,
    },
    /// The operator at the machine, through the `vigia` command line (who
    /// can read the database file anyway). Never made from a web request.
    Operator,
    /// A machine calling `/api/v1` with a bearer token of an enabled
    /// client. Never a user: it may only send what its scopes name.
    ApiClient {
        id: i64,
        name: String,
        scopes: Vec<Scope>,
    },
}

/// What an API client's token allows (API.md, "Authentication").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// `POST /ingest/pings`, `/osmand`.
    PingsWrite,
    /// `POST /ingest/footage`.
    FootageWrite,
    /// `POST /ingest/heartbeats`.
    HealthWrite,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[Scope::PingsWrite, Scope::FootageWrite, Scope::HealthWrite];

    /// The name API.md gives it, e.g. `footage:write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PingsWrite => "pings:write",
            Scope::FootageWrite => "footage:write",
            Scope::HealthWrite => "health:write",
        }
    }

    /// The action a holder of this scope may do.
    pub fn action(self) -> Action {
        match self {
            Scope::PingsWrite => Action::IngestPings,
            Scope::FootageWrite => Action::IngestFootage,
            Scope::HealthWrite => Action::IngestHeartbeats,
        }
    }

    /// Parses `footage:write,health:write` (commas, spaces allowed) into a
    /// sorted list without repeats; the error names the unknown scope.
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, AppError> {
        let mut scopes = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Scope::ALL
                .iter()
                .copied()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| {
                    AppError::validation(
                        "scopes",
                        format!(
                            "unknown scope {name:?}; the scopes are {}",
                            Scope::ALL
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(AppError::validation("scopes", "give at least one scope"));
        }
        scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
        Ok(scopes)
    }

    /// The stored form: names in a fixed order, separated by commas.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Everything the policy can be asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Sign in: anyone may try.
    SignIn,
    /// Record counts and the database in use.
    ReadSystemStatus,
    /// One's own account: who am I, sign out, change my password.
    ManageOwnAccount,
    ReadOfficers,
    WriteOfficers,
    ImportOfficers,
    ReadConfidenceTests,
    WriteConfidenceTests,
    /// Vehicles, cameras, camera health, SLA.
    ReadFleet,
    WriteFleet,
    ReadFootage,
    /// Check a footage file against its SHA-256 and record the result.
    VerifyFootage,
    /// Which cases a footage segment is evidence in.
    ReadFootageCaseLinks,
    ReadTracks,
    DecideCase,
    ReadReports,
    ReadSlaReports,
    /// The whole audit trail.
    ReadAuditTrail,
    /// Sign-in and account events of the audit trail.
    ReadAccountAudit,
    ReadUsers,
    ManageUsers,
    /// The machine API's clients and their tokens.
    ReadApiClients,
    ManageApiClients,
    /// Machine API ingest, one action per scope: only API clients.
    IngestPings,
    IngestFootage,
    IngestHeartbeats,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::SignIn,
        Action::ReadSystemStatus,
        Action::ManageOwnAccount,
        Action::ReadOfficers,
        Action::WriteOfficers,
        Action::ImportOfficers,
        Action::ReadConfidenceTests,
        Action::WriteConfidenceTests,
        Action::ReadFleet,
        Action::WriteFleet,
        Action::ReadFootage,
        Action::VerifyFootage,
        Action::ReadFootageCaseLinks,
        Action::ReadTracks,
        Action::DecideCase,
        Action::ReadReports,
        Action::ReadSlaReports,
        Action::ReadAuditTrail,
        Action::ReadAccountAudit,
        Action::ReadUsers,
        Action::ManageUsers,
        Action::ReadApiClients,
        Action::ManageApiClients,
        Action::IngestPings,
        Action::IngestFootage,
        Action::IngestHeartbeats,
    ];

    /// Whether this action changes something (a refusal of a write to a
    /// read-only role is the clear 403 DESIGN.md asks for).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::WriteOfficers
                | Action::ImportOfficers
                | Action::WriteConfidenceTests
                | Action::WriteFleet
                | Action::DecideCase
                | Action::ManageUsers
                | Action::ManageApiClients
                | Action::VerifyFootage
                | Action::IngestPings
                | Action::IngestFootage
                | Action::IngestHeartbeats
        )
    }
}

/// The permission matrix: may a holder of `role` do `action`?
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role::*;
    match action {
        A::SignIn | A::ReadSystemStatus | A::ManageOwnAccount => true,
        A::ReadOfficers => matches!(role, Investigator | Supervisor | Ministry | Auditor),
        A::WriteOfficers => matches!(role, Investigator | Supervisor),
        A::ImportOfficers => matches!(role, Investigator | Supervisor | Admin),
        A::ReadConfidenceTests => matches!(role, Investigator | Supervisor | Auditor),
        A::WriteConfidenceTests => matches!(role, Investigator | Supervisor),
        A::ReadFleet => matches!(
            role,
            Investigator | Supervisor | Ministry | Auditor | Monitor
        ),
        A::WriteFleet => matches!(role, Monitor | Admin),
        A::ReadFootage => matches!(role, Investigator | Supervisor | Auditor | Monitor),
        // A check records its result: the footage readers who may write.
        A::VerifyFootage => matches!(role, Investigator | Supervisor | Monitor),
        A::ReadFootageCaseLinks => matches!(role, Investigator | Supervisor | Auditor),
        A::ReadTracks => matches!(role, Investigator | Supervisor | Auditor),
        A::DecideCase => matches!(role, Ministry),
        A::ReadReports => matches!(role, Investigator | Supervisor | Ministry | Auditor),
        A::ReadSlaReports => {
            matches!(
                role,
                Investigator | Supervisor | Ministry | Auditor | Monitor
            )
        }
        A::ReadAuditTrail => matches!(role, Supervisor | Auditor),
        A::ReadAccountAudit => matches!(role, Supervisor | Auditor | Admin),
        A::ReadUsers => matches!(role, Auditor | Admin),
        A::ManageUsers => matches!(role, Admin),
        A::ReadApiClients => matches!(role, Auditor | Admin),
        A::ManageApiClients => matches!(role, Admin),
        // Machines send data; people never do, whatever their roles.
        A::IngestPings | A::IngestFootage | A::IngestHeartbeats => false,
    }
}

/// A principal the policy has allowed to do one action. Only [`authorize`]
/// makes one.
#[derive(Debug, Clone)]
pub struct Actor {
    principal: Principal,
    action: Action,
}

impl Actor {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The action this actor was allowed to do.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The signed-in user's id, if a user.
    pub fn user_id(&self) -> Option<i64> {
        match &self.principal {
            Principal::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        match &self.principal {
            Principal::User { roles, .. } => roles.contains(&role),
            _ => false,
        }
    }

    /// A stable label for logs and the audit trail.
    pub fn label(&self) -> &str {
        match &self.principal {
            Principal::Anonymous => "anonymous",
            Principal::User { username, .. } => username,
            Principal::Operator => "operator",
            Principal::ApiClient { name, .. } => name,
        }
    }

    /// The API client's id, if a machine.
    pub fn api_client_id(&self) -> Option<i64> {
        match &self.principal {
            Principal::ApiClient { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// How the audit trail names this actor.
    #[cfg(feature = "ssr")]
    pub fn audit_actor(&self) -> crate::audit::AuditActor {
        match &self.principal {
            Principal::Anonymous => crate::audit::AuditActor::anonymous(),
            Principal::User { id, username, .. } => crate::audit::AuditActor::user(*id, username),
            Principal::Operator => crate::audit::AuditActor {
                kind: "operator",
                id: None,
                label: "operator".into(),
            },
            Principal::ApiClient { id, name, .. } => crate::audit::AuditActor {
                kind: "api_client",
                id: Some(*id),
                label: name.clone(),
            },
        }
    }
}

/// Decides whether `principal` may do `action`. A refusal is an `Err`
/// (401 when nobody is signed in, 403 otherwise), never a redirect that
/// lets the action run.
pub fn authorize(principal: &Principal, action: Action) -> Result<Actor, AppError> {
    let allowed = match principal {
        Principal::Anonymous => action == Action::SignIn,
        Principal::User { roles, .. } => roles.iter().any(|r| role_allows(*r, action)),
        // The command line administers accounts, reads the trail and
        // imports record files (`vigia import`); it does no casework.
        Principal::Operator => matches!(
            action,
            Action::ManageUsers
                | Action::ReadUsers
                | Action::ManageApiClients
                | Action::ReadApiClients
                | Action::ReadAuditTrail
                | Action::ImportOfficers
                | Action::WriteConfidenceTests
        ),
        // A token allows the ingest its scopes name, and nothing else:
        // no page, no server function, no other ingest.
        Principal::ApiClient { scopes, .. } => scopes.iter().any(|s| s.action() == action),
    };
    if allowed {
        Ok(Actor {
            principal: principal.clone(),
            action,
        })
    } else if *principal == Principal::Anonymous {
        Err(AppError::Unauthenticated)
    } else if action.is_write() {
        Err(AppError::Forbidden(
            "your roles may not change this: the request was refused and nothing was written"
                .into(),
        ))
    } else {
        Err(AppError::Forbidden("your roles may not see this".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> Principal {
        Principal::User {
            id: 1,
            username: "u".into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn anonymous_may_only_sign_in() {
        for &action in Action::ALL {
            let result = authorize(&Principal::Anonymous, action);
            if action == Action::SignIn {
                assert!(result.is_ok());
            } else {
                assert_eq!(result.unwrap_err(), AppError::Unauthenticated, "{action:?}");
            }
        }
    }

    #[test]
    fn auditors_read_everything_and_write_nothing() {
        let auditor = user(&[Role::Auditor]);
        for &action in Action::ALL {
            let allowed = authorize(&auditor, action).is_ok();
            if action.is_write() {
                assert!(!allowed, "auditor may {action:?}");
            }
        }
        for action in [
            Action::ReadOfficers,
            Action::ReadAuditTrail,
            Action::ReadTracks,
            Action::ReadUsers,
        ] {
            assert!(authorize(&auditor, action).is_ok(), "{action:?}");
        }
    }

    #[test]
    fn monitors_see_the_fleet_but_no_officer_files() {
        let monitor = user(&[Role::Monitor]);
        assert!(authorize(&monitor, Action::ReadFleet).is_ok());
        assert!(authorize(&monitor, Action::ReadSlaReports).is_ok());
        assert!(authorize(&monitor, Action::ReadFootage).is_ok());
        for action in [
            Action::ReadOfficers,
            Action::ReadConfidenceTests,
            Action::ReadTracks,
            Action::ReadFootageCaseLinks,
            Action::ReadReports,
        ] {
            assert!(
                matches!(authorize(&monitor, action), Err(AppError::Forbidden(_))),
                "{action:?}"
            );
        }
    }

    #[test]
    fn admins_manage_accounts_but_see_no_case_content() {
        let admin = user(&[Role::Admin]);
        assert!(authorize(&admin, Action::ManageUsers).is_ok());
        assert!(authorize(&admin, Action::ReadAccountAudit).is_ok());
        for action in [
            Action::ReadOfficers,
            Action::ReadAuditTrail,
            Action::ReadTracks,
            Action::ReadFootage,
        ] {
            assert!(authorize(&admin, action).is_err(), "{action:?}");
        }
    }

    #[test]
    fn several_roles_add_up() {
        let both = user(&[Role::Monitor, Role::Ministry]);
        assert!(authorize(&both, Action::DecideCase).is_ok());
        assert!(authorize(&both, Action::WriteFleet).is_ok());
        assert!(authorize(&both, Action::ReadTracks).is_err());
    }

    #[test]
    fn api_clients_may_only_ingest_what_their_scopes_name() {
        let camera_center = Principal::ApiClient {
            id: 1,
            name: "centro".into(),
            scopes: vec![Scope::FootageWrite, Scope::HealthWrite],
        };
        for &action in Action::ALL {
            let allowed = authorize(&camera_center, action).is_ok();
            let expected = matches!(action, Action::IngestFootage | Action::IngestHeartbeats);
            assert_eq!(allowed, expected, "{action:?}");
        }
        // And no person may ingest, whatever roles they hold.
        let everyone = user(Role::ALL);
        for action in [
            Action::IngestPings,
            Action::IngestFootage,
            Action::IngestHeartbeats,
        ] {
            assert!(authorize(&everyone, action).is_err(), "{action:?}");
        }
    }

    #[test]
    fn scope_lists_parse_in_a_fixed_order_and_name_the_unknown() {
        assert_eq!(
            Scope::parse_list("health:write, footage:write,health:write").unwrap(),
            vec![Scope::FootageWrite, Scope::HealthWrite]
        );
        let err = Scope::parse_list("footage:write,video:delete").unwrap_err();
        assert!(err.to_string().contains("video:delete"), "{err}");
        assert!(Scope::parse_list(" , ").is_err());
    }

    #[test]
    fn only_the_ministry_decides() {
        for &role in Role::ALL {
            assert_eq!(
                role_allows(role, Action::DecideCase),
                role == Role::Ministry,
                "{role:?}"
            );
        }
    }
}
