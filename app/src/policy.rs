//! The one place that answers "may this principal do this action on this
//! object?" (DESIGN.md, "The policy").
//!
//! Every server function and API handler asks through
//! [`authorize`] (by way of [`crate::rpc::call`] or
//! [`crate::identity::require`]); the answer is a [`Permit`] that names its
//! action in its type. Store functions take the permit of the action they
//! perform (`&Permit<act::WriteOfficers>`), so code that skips the check
//! does not compile, and neither does code that passes a read permit where
//! a write is meant or one action's permit for another's. For reads scoped
//! by row, the permit answers with a scope ([`AuditScope`], [`CaseScope`])
//! that the store turns into its SQL `WHERE`.
//!
//! [`Principal`] (who asks) and [`Permit`] have private fields: only the
//! identity module (sessions, tokens, the console operator, the demo
//! loader) makes principals, and only [`authorize`] makes permits.
//!
//! This module is at the bottom of the crate: it depends on nothing but the
//! error type and the role names.
//!
//! What the types forbid (these examples are compiled by `cargo test --doc`,
//! which `scripts/test` runs). A write permit opens an audited write:
//!
//! ```no_run
//! # async fn ok(db: &app::store::Db, p: &app::policy::Permit<app::policy::act::WriteOfficers>) {
//! let tx = app::audit::AuditedTx::begin(db, p).await;
//! # drop(tx);
//! # }
//! ```
//!
//! a read permit does not:
//!
//! ```compile_fail
//! # async fn no(db: &app::store::Db, p: &app::policy::Permit<app::policy::act::ReadOfficers>) {
//! let tx = app::audit::AuditedTx::begin(db, p).await;
//! # drop(tx);
//! # }
//! ```
//!
//! one action's permit does not stand for another's (creating an account
//! needs `ManageUsers`):
//!
//! ```compile_fail
//! # async fn no(db: &app::store::Db, p: &app::policy::Permit<app::policy::act::WriteOfficers>, new: app::identity::store::NewUser) {
//! let id = app::identity::store::create_user(db, p, "ip", new).await;
//! # drop(id);
//! # }
//! ```
//!
//! and no code outside the policy makes a permit, or a principal:
//!
//! ```compile_fail
//! let p = app::policy::Permit::<app::policy::act::ManageUsers> {
//!     principal: app::policy::Principal::ANONYMOUS,
//!     _action: std::marker::PhantomData,
//! };
//! ```
//!
//! ```compile_fail
//! let admin = app::policy::Principal::operator();
//! ```

use std::fmt;
use std::marker::PhantomData;

use crate::error::{AppError, Field, Problem};
pub use crate::roles::Role;

/// Who a request comes from, before the policy has looked at it. Made only
/// by the identity module (sessions, API tokens, the console operator, the
/// demo loader).
#[derive(Clone, PartialEq, Eq)]
pub struct Principal(Who);

// The browser build links the policy for `role_allows` only; principals are
// made on the server.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
#[derive(Clone, PartialEq, Eq)]
enum Who {
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
    /// Vigía itself, acting on a rule (an account locked after repeated
    /// failed sign-ins). Allowed nothing: it only names such records.
    System,
    /// `vigia demo-data`, loading the synthetic dataset: a labelled
    /// principal, so that no audit record names anyone who did not act.
    DemoLoader,
    /// A machine calling `/api/v1` with a bearer token of an enabled
    /// client. Never a user: it may only send what its scopes name.
    ApiClient {
        id: i64,
        name: String,
        scopes: Vec<Scope>,
    },
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Who::Anonymous => f.write_str("Anonymous"),
            Who::User {
                id,
                username,
                roles,
            } => f
                .debug_struct("User")
                .field("id", id)
                .field("username", username)
                .field("roles", roles)
                .finish(),
            Who::Operator => f.write_str("Operator"),
            Who::System => f.write_str("System"),
            Who::DemoLoader => f.write_str("DemoLoader"),
            Who::ApiClient { id, name, scopes } => f
                .debug_struct("ApiClient")
                .field("id", id)
                .field("name", name)
                .field("scopes", scopes)
                .finish(),
        }
    }
}

#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
impl Principal {
    /// Nobody signed in: may only try to sign in.
    pub const ANONYMOUS: Principal = Principal(Who::Anonymous);

    /// A signed-in person (the identity module, from a valid session).
    pub(crate) fn user(id: i64, username: String, roles: Vec<Role>) -> Principal {
        Principal(Who::User {
            id,
            username,
            roles,
        })
    }

    /// The console operator (the identity module, for `vigia` commands).
    pub(crate) fn operator() -> Principal {
        Principal(Who::Operator)
    }

    /// Vigía acting on a rule (the identity module, for lockouts).
    pub(crate) fn system() -> Principal {
        Principal(Who::System)
    }

    /// The demo loader (the identity module, for `vigia demo-data`).
    pub(crate) fn demo_loader() -> Principal {
        Principal(Who::DemoLoader)
    }

    /// An enabled API client (the identity module, from a valid token).
    pub(crate) fn api_client(id: i64, name: String, scopes: Vec<Scope>) -> Principal {
        Principal(Who::ApiClient { id, name, scopes })
    }

    pub fn is_anonymous(&self) -> bool {
        self.0 == Who::Anonymous
    }

    /// The signed-in user's id, if a user.
    pub fn user_id(&self) -> Option<i64> {
        match &self.0 {
            Who::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The user's name, if a user.
    pub fn username(&self) -> Option<&str> {
        match &self.0 {
            Who::User { username, .. } => Some(username),
            _ => None,
        }
    }

    /// The API client's id, if a machine.
    pub fn api_client_id(&self) -> Option<i64> {
        match &self.0 {
            Who::ApiClient { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        match &self.0 {
            Who::User { roles, .. } => roles.contains(&role),
            _ => false,
        }
    }

    /// A stable label for logs and the audit trail.
    pub fn label(&self) -> &str {
        match &self.0 {
            Who::Anonymous => "anonymous",
            Who::User { username, .. } => username,
            Who::Operator => "operator",
            Who::System => "system",
            Who::DemoLoader => "demo-data",
            Who::ApiClient { name, .. } => name,
        }
    }

    /// How the audit trail names this principal: kind, id, label.
    pub fn audit_name(&self) -> (&'static str, Option<i64>, &str) {
        match &self.0 {
            Who::Anonymous => ("anonymous", None, "anonymous"),
            Who::User { id, username, .. } => ("user", Some(*id), username),
            Who::Operator => ("operator", None, "operator"),
            Who::System => ("system", None, "system"),
            Who::DemoLoader => ("demo", None, "demo-data"),
            Who::ApiClient { id, name, .. } => ("api_client", Some(*id), name),
        }
    }
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
                        Field::Scopes,
                        Problem::NotAScope {
                            given: name.to_string(),
                            allowed: Scope::join(Scope::ALL).replace(',', ", "),
                        },
                    )
                })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(AppError::validation(Field::Scopes, Problem::NoScopes));
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

/// An action as a type: what a [`Permit`] is for.
pub trait ActionKind: Copy + Send + Sync + 'static {
    const ACTION: Action;
}

/// An action that only reads (its permit opens no write transaction).
pub trait ReadAction: ActionKind {}

/// An action that changes something: its permit opens the audited write
/// transaction ([`crate::audit::AuditedTx`]).
pub trait WriteAction: ActionKind {}

macro_rules! actions {
    ($( $(#[$doc:meta])* $name:ident : $kind:ident ),* $(,)?) => {
        /// Everything the policy can be asked about, as a value (logs, the
        /// audit trail, the RBAC sweep). Each has a type of the same name in
        /// [`act`], for permits.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Action {
            $( $(#[$doc])* $name, )*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$name),*];

            /// Whether this action changes something (a refusal of a write
            /// to a read-only role is the clear 403 DESIGN.md asks for).
            pub fn is_write(self) -> bool {
                match self {
                    $( Action::$name => actions!(@write $kind), )*
                }
            }
        }

        /// The actions as types, one per [`Action`]: a permit's type names
        /// its action, so one action's permit cannot stand for another's.
        pub mod act {
            $(
                $(#[$doc])*
                #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
                pub struct $name;
                impl super::ActionKind for $name {
                    const ACTION: super::Action = super::Action::$name;
                }
                actions!(@kind $kind $name);
            )*
        }
    };
    (@write read) => { false };
    (@write write) => { true };
    (@kind read $name:ident) => { impl super::ReadAction for $name {} };
    (@kind write $name:ident) => { impl super::WriteAction for $name {} };
}

actions! {
    /// Sign in: anyone may try (and the failure is recorded).
    SignIn: write,
    /// Record counts and the database in use.
    ReadSystemStatus: read,
    /// One's own account: who am I, sign out, change my password, second factor.
    ManageOwnAccount: write,
    ReadOfficers: read,
    /// An officer's national ID unmasked (sensitive: every read audited).
    ReadNationalId: read,
    WriteOfficers: write,
    /// A CSV file of officers, assignments or confidence tests (the kind
    /// is the object: administrators import officer records only).
    ImportRecords: write,
    ReadConfidenceTests: read,
    WriteConfidenceTests: write,
    /// Vehicles, cameras, camera health, coverage.
    ReadFleet: read,
    WriteFleet: write,
    /// Footage references (an officer's footage is also an officer record).
    ReadFootage: read,
    /// Check a footage file against its SHA-256 and record the result.
    VerifyFootage: write,
    /// Which cases a footage segment is evidence in.
    ReadFootageCaseLinks: read,
    ReadTracks: read,
    /// Cases, scoped by row: see [`CaseScope`].
    ReadCases: read,
    /// Work a case: see [`authorize`] with [`Object::Case`].
    WriteCases: write,
    /// Head of internal affairs' part of a case: assign, return, seal,
    /// send to the ministry, close, pause the clock.
    SuperviseCases: write,
    /// A case's complainant unmasked (sensitive: every read audited).
    ReadComplainant: read,
    DecideCase: write,
    ReadReports: read,
    ReadSlaReports: read,
    /// The audit trail, scoped by row: see [`AuditScope`].
    ReadAuditTrail: read,
    ReadUsers: read,
    ManageUsers: write,
    /// The machine API's clients and their tokens.
    ReadApiClients: read,
    ManageApiClients: write,
    /// Machine API ingest, one action per scope: only API clients.
    IngestPings: write,
    IngestFootage: write,
    IngestHeartbeats: write,
    /// Load the synthetic demo dataset (`vigia demo-data` only).
    LoadDemoData: write,
}

/// Kinds of record file the import takes (the object of
/// [`Action::ImportRecords`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Officers,
    Assignments,
    ConfidenceTests,
}

/// The facts about a case the policy decides on (DESIGN.md matrix rows
/// "cases", "sealed cases", "case decision").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub assigned_to: Option<i64>,
    pub sealed: bool,
    /// In `ministry_review`, `decided` or `closed`: sent to the ministry.
    pub sent_to_ministry: bool,
}

/// What an action is done to. Most actions are on a whole collection
/// (`Any`); some rules depend on the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object<'a> {
    /// The action as such: a list, a form, a report.
    Any,
    /// Records of one officer (their file, their footage).
    Officer(&'a str),
    /// One vehicle and its cameras.
    Vehicle(&'a str),
    /// A record file to import.
    Import(RecordKind),
    /// One case.
    Case(CaseFacts),
}

/// The permission matrix: may a holder of `role` do `action` at all? (Object
/// rules narrow it in [`authorize`].)
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role::*;
    match action {
        A::SignIn | A::ReadSystemStatus | A::ManageOwnAccount => true,
        A::ReadOfficers => matches!(role, Investigator | Supervisor | Ministry | Auditor),
        A::ReadNationalId => matches!(role, Supervisor),
        A::WriteOfficers => matches!(role, Investigator | Supervisor),
        A::ImportRecords => matches!(role, Investigator | Supervisor | Admin),
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
        A::ReadCases => matches!(role, Investigator | Supervisor | Ministry | Auditor),
        A::WriteCases => matches!(role, Investigator | Supervisor),
        A::SuperviseCases => matches!(role, Supervisor),
        A::ReadComplainant => matches!(role, Investigator | Supervisor | Auditor),
        A::DecideCase => matches!(role, Ministry),
        A::ReadReports => matches!(role, Investigator | Supervisor | Ministry | Auditor),
        A::ReadSlaReports => {
            matches!(
                role,
                Investigator | Supervisor | Ministry | Auditor | Monitor
            )
        }
        A::ReadAuditTrail => matches!(role, Supervisor | Auditor | Admin),
        A::ReadUsers => matches!(role, Auditor | Admin),
        A::ManageUsers => matches!(role, Admin),
        A::ReadApiClients => matches!(role, Auditor | Admin),
        A::ManageApiClients => matches!(role, Admin),
        // Machines send data; people never do, whatever their roles.
        A::IngestPings | A::IngestFootage | A::IngestHeartbeats => false,
        A::LoadDemoData => false,
    }
}

/// Whether one role may do `action` on `object` (the matrix, then the
/// object's own rules).
fn role_allows_on(role: Role, action: Action, object: &Object<'_>, user: Option<i64>) -> bool {
    use Role::*;
    if !role_allows(role, action) {
        return false;
    }
    match (action, object) {
        // Whose footage it is, is an officer record: monitors see vehicles.
        (Action::ReadFootage, Object::Officer(_)) => role_allows(role, Action::ReadOfficers),
        // Administrators import officer records; confidence tests are not theirs.
        (Action::ImportRecords, Object::Import(RecordKind::ConfidenceTests)) => {
            role_allows(role, Action::WriteConfidenceTests)
        }
        (Action::ReadCases, Object::Case(case)) => CaseScope::of_role(role, user).allows(case),
        (Action::WriteCases, Object::Case(case)) => match role {
            Supervisor => true,
            // Their own cases; a sealed one only if assigned (and then it is theirs).
            Investigator => user.is_some() && case.assigned_to == user,
            _ => false,
        },
        (Action::DecideCase, Object::Case(case)) => case.sent_to_ministry,
        // The assigned investigator, supervisors and auditors.
        (Action::ReadComplainant, Object::Case(case)) => match role {
            Investigator => user.is_some() && case.assigned_to == user,
            _ => CaseScope::of_role(role, user).allows(case),
        },
        _ => true,
    }
}

/// What the console operator may do: administer accounts and API clients,
/// read the trail, import record files. No casework.
fn operator_allows(action: Action) -> bool {
    matches!(
        action,
        Action::ManageUsers
            | Action::ReadUsers
            | Action::ManageApiClients
            | Action::ReadApiClients
            | Action::ReadAuditTrail
            | Action::ImportRecords
    )
}

/// What the demo loader may do: write the synthetic records, the way the
/// services and the ingest write them (linking a case's evidence, as an
/// investigator does, asks to read footage and tests).
fn demo_loader_allows(action: Action) -> bool {
    matches!(
        action,
        Action::LoadDemoData
            | Action::ManageApiClients
            | Action::WriteOfficers
            | Action::ImportRecords
            | Action::WriteConfidenceTests
            | Action::WriteFleet
            | Action::ReadCases
            | Action::WriteCases
            | Action::SuperviseCases
            | Action::DecideCase
            | Action::ReadFootage
            | Action::ReadConfidenceTests
            | Action::IngestFootage
            | Action::IngestHeartbeats
            | Action::IngestPings
    )
}

/// Decides whether `principal` may do `action` on `object`. A refusal is an
/// `Err` (401 when nobody is signed in, 403 otherwise), never a redirect
/// that lets the action run.
pub fn authorize<A: ActionKind>(
    principal: &Principal,
    _action: A,
    object: Object<'_>,
) -> Result<Permit<A>, AppError> {
    if allows(principal, A::ACTION, &object) {
        Ok(Permit {
            principal: principal.clone(),
            _action: PhantomData,
        })
    } else {
        Err(refusal(principal, A::ACTION))
    }
}

/// The same decision as a value, for the sweep and for pages that offer
/// only what the server would accept.
pub fn allows(principal: &Principal, action: Action, object: &Object<'_>) -> bool {
    match &principal.0 {
        Who::Anonymous => action == Action::SignIn,
        Who::User { id, roles, .. } => roles
            .iter()
            .any(|r| role_allows_on(*r, action, object, Some(*id))),
        Who::Operator => operator_allows(action),
        Who::System => false,
        Who::DemoLoader => demo_loader_allows(action),
        // A token allows the ingest its scopes name, and nothing else:
        // no page, no server function, no other ingest.
        Who::ApiClient { scopes, .. } => scopes.iter().any(|s| s.action() == action),
    }
}

/// Whether `principal` is shown software versions (the database engine's):
/// administrators and auditors, who keep and check the system.
pub fn sees_versions(principal: &Principal) -> bool {
    principal.has_role(Role::Admin) || principal.has_role(Role::Auditor)
}

/// The error a refusal answers with.
pub fn refusal(principal: &Principal, action: Action) -> AppError {
    if principal.is_anonymous() {
        AppError::Unauthenticated
    } else if action.is_write() {
        AppError::Forbidden(Problem::MayNotChange)
    } else {
        AppError::Forbidden(Problem::MayNotSee)
    }
}

/// A principal the policy has allowed to do action `A`. Only
/// [`authorize`] makes one; its type says what it allows.
pub struct Permit<A: ActionKind> {
    principal: Principal,
    _action: PhantomData<A>,
}

impl<A: ActionKind> Clone for Permit<A> {
    fn clone(&self) -> Self {
        Permit {
            principal: self.principal.clone(),
            _action: PhantomData,
        }
    }
}

impl<A: ActionKind> fmt::Debug for Permit<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("action", &A::ACTION)
            .field("principal", &self.principal)
            .finish()
    }
}

impl<A: ActionKind> Permit<A> {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The action this permit allows.
    pub fn action(&self) -> Action {
        A::ACTION
    }

    pub fn user_id(&self) -> Option<i64> {
        self.principal.user_id()
    }

    pub fn label(&self) -> &str {
        self.principal.label()
    }

    pub fn api_client_id(&self) -> Option<i64> {
        self.principal.api_client_id()
    }

    /// Whether the same principal may also do `action` on `object` (a page
    /// offering a form asks this; the form's own server function asks again).
    pub fn also_allows(&self, action: Action, object: Object<'_>) -> bool {
        allows(&self.principal, action, &object)
    }

    /// A permit for another action of the same principal, if allowed.
    pub fn also<B: ActionKind>(&self, action: B, object: Object<'_>) -> Option<Permit<B>> {
        authorize(&self.principal, action, object).ok()
    }
}

/// A permit for an action on one case: made only by [`Permit::on_case`],
/// from the case's facts as read inside the transaction that acts on it.
/// The case services take it, so a change to a case cannot skip the
/// decision on that case.
pub struct CasePermit<A: ActionKind> {
    permit: Permit<A>,
    facts: CaseFacts,
}

impl<A: ActionKind> CasePermit<A> {
    pub fn permit(&self) -> &Permit<A> {
        &self.permit
    }

    pub fn facts(&self) -> CaseFacts {
        self.facts
    }
}

impl<A: ActionKind> Permit<A> {
    /// The same action on one case, if the policy allows it there.
    pub fn on_case(&self, facts: CaseFacts) -> Result<CasePermit<A>, AppError> {
        if allows(&self.principal, A::ACTION, &Object::Case(facts)) {
            Ok(CasePermit {
                permit: self.clone(),
                facts,
            })
        } else {
            Err(refusal(&self.principal, A::ACTION))
        }
    }
}

/// Which records of the audit trail a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// Supervisors and auditors: all of it.
    All,
    /// Administrators: sign-ins and account events only.
    AccountEvents,
}

impl Permit<act::ReadAuditTrail> {
    pub fn scope(&self) -> AuditScope {
        match &self.principal.0 {
            Who::User { roles, .. }
                if roles
                    .iter()
                    .any(|r| matches!(r, Role::Supervisor | Role::Auditor)) =>
            {
                AuditScope::All
            }
            Who::Operator => AuditScope::All,
            _ => AuditScope::AccountEvents,
        }
    }
}

/// Whether a reader of fleet records sees who rode in a car (an officer
/// record: monitors see the cars and their cameras, not the crews).
impl Permit<act::ReadFleet> {
    pub fn sees_crews(&self) -> bool {
        self.also_allows(Action::ReadOfficers, Object::Any)
    }
}

impl Permit<act::ReadOfficers> {
    /// The permit to read national IDs unmasked, if this reader has it
    /// (each unmasked read is then audited by the store).
    pub fn national_ids(&self) -> Option<Permit<act::ReadNationalId>> {
        self.also(act::ReadNationalId, Object::Any)
    }
}

/// Which cases a reader sees: the row scope the case store turns into its
/// SQL `WHERE`, and the same rule [`authorize`] applies to one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseScope {
    /// Every case (supervisors, auditors).
    pub all: bool,
    /// Cases assigned to this user, sealed or not (investigators).
    pub assigned_to: Option<i64>,
    /// Every case that is not sealed (investigators).
    pub unsealed: bool,
    /// Every case sent to the ministry or decided (the ministry).
    pub sent_to_ministry: bool,
}

impl CaseScope {
    pub const NONE: CaseScope = CaseScope {
        all: false,
        assigned_to: None,
        unsealed: false,
        sent_to_ministry: false,
    };

    fn of_role(role: Role, user: Option<i64>) -> CaseScope {
        match role {
            Role::Supervisor | Role::Auditor => CaseScope {
                all: true,
                ..CaseScope::NONE
            },
            Role::Investigator => CaseScope {
                assigned_to: user,
                unsealed: true,
                ..CaseScope::NONE
            },
            Role::Ministry => CaseScope {
                sent_to_ministry: true,
                ..CaseScope::NONE
            },
            Role::Monitor | Role::Admin => CaseScope::NONE,
        }
    }

    fn union(self, other: CaseScope) -> CaseScope {
        CaseScope {
            all: self.all || other.all,
            assigned_to: self.assigned_to.or(other.assigned_to),
            unsealed: self.unsealed || other.unsealed,
            sent_to_ministry: self.sent_to_ministry || other.sent_to_ministry,
        }
    }

    /// Whether a case with these facts is inside the scope.
    pub fn allows(&self, case: &CaseFacts) -> bool {
        self.all
            || (self.assigned_to.is_some() && case.assigned_to == self.assigned_to)
            || (self.unsealed && !case.sealed)
            || (self.sent_to_ministry && case.sent_to_ministry)
    }

    /// The user [`sql_where`](Self::sql_where) binds as its parameter, if it
    /// binds one (a scope that holds every case binds nothing).
    pub fn bound_user(&self) -> Option<i64> {
        if self.all {
            None
        } else {
            self.assigned_to
        }
    }

    /// The scope as an SQL condition on a cases table aliased `alias` with
    /// columns `assigned_to`, `sealed` (0/1) and `status`; the assigned
    /// user, when any, is bound as parameter `$n`.
    pub fn sql_where(&self, alias: &str, n: usize) -> String {
        if self.all {
            return "1 = 1".into();
        }
        let mut any = Vec::new();
        if self.assigned_to.is_some() {
            any.push(format!("{alias}.assigned_to = ${n}"));
        }
        if self.unsealed {
            any.push(format!("{alias}.sealed = 0"));
        }
        if self.sent_to_ministry {
            any.push(format!(
                "{alias}.status IN ('ministry_review', 'decided', 'closed')"
            ));
        }
        if any.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", any.join(" OR "))
        }
    }
}

impl Permit<act::ReadCases> {
    pub fn scope(&self) -> CaseScope {
        match &self.principal.0 {
            Who::User { id, roles, .. } => roles
                .iter()
                .map(|r| CaseScope::of_role(*r, Some(*id)))
                .fold(CaseScope::NONE, CaseScope::union),
            _ => CaseScope::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> Principal {
        Principal::user(1, "u".into(), roles.to_vec())
    }

    /// DESIGN.md's matrix, written out again by action, independently of
    /// [`role_allows`]. The `match` has no wildcard: a new action does not
    /// compile until someone writes here who may do it.
    fn design(action: Action) -> &'static [Role] {
        use Role::*;
        const EVERYONE: &[Role] = &[Investigator, Supervisor, Ministry, Auditor, Monitor, Admin];
        const NOBODY: &[Role] = &[];
        match action {
            Action::SignIn | Action::ReadSystemStatus | Action::ManageOwnAccount => EVERYONE,
            Action::ReadOfficers => &[Investigator, Supervisor, Ministry, Auditor],
            Action::ReadNationalId => &[Supervisor],
            Action::WriteOfficers => &[Investigator, Supervisor],
            Action::ImportRecords => &[Investigator, Supervisor, Admin],
            Action::ReadConfidenceTests => &[Investigator, Supervisor, Auditor],
            Action::WriteConfidenceTests => &[Investigator, Supervisor],
            Action::ReadFleet => &[Investigator, Supervisor, Ministry, Auditor, Monitor],
            Action::WriteFleet => &[Monitor, Admin],
            Action::ReadFootage => &[Investigator, Supervisor, Auditor, Monitor],
            Action::VerifyFootage => &[Investigator, Supervisor, Monitor],
            Action::ReadFootageCaseLinks => &[Investigator, Supervisor, Auditor],
            Action::ReadTracks => &[Investigator, Supervisor, Auditor],
            Action::ReadCases => &[Investigator, Supervisor, Ministry, Auditor],
            Action::WriteCases => &[Investigator, Supervisor],
            Action::SuperviseCases => &[Supervisor],
            Action::ReadComplainant => &[Investigator, Supervisor, Auditor],
            Action::DecideCase => &[Ministry],
            Action::ReadReports => &[Investigator, Supervisor, Ministry, Auditor],
            Action::ReadSlaReports => &[Investigator, Supervisor, Ministry, Auditor, Monitor],
            Action::ReadAuditTrail => &[Supervisor, Auditor, Admin],
            Action::ReadUsers => &[Auditor, Admin],
            Action::ManageUsers => &[Admin],
            Action::ReadApiClients => &[Auditor, Admin],
            Action::ManageApiClients => &[Admin],
            Action::IngestPings | Action::IngestFootage | Action::IngestHeartbeats => NOBODY,
            Action::LoadDemoData => NOBODY,
        }
    }

    #[test]
    fn every_action_follows_the_design_matrix_for_every_role() {
        for &action in Action::ALL {
            for &role in Role::ALL {
                assert_eq!(
                    allows(&user(&[role]), action, &Object::Any),
                    design(action).contains(&role),
                    "{action:?} for {role:?}"
                );
            }
        }
    }

    #[test]
    fn anonymous_may_only_sign_in() {
        for &action in Action::ALL {
            let allowed = allows(&Principal::ANONYMOUS, action, &Object::Any);
            assert_eq!(allowed, action == Action::SignIn, "{action:?}");
        }
        assert_eq!(
            authorize(&Principal::ANONYMOUS, act::ReadOfficers, Object::Any).unwrap_err(),
            AppError::Unauthenticated
        );
    }

    #[test]
    fn auditors_read_everything_and_write_nothing() {
        let auditor = user(&[Role::Auditor]);
        for &action in Action::ALL {
            let allowed = allows(&auditor, action, &Object::Any);
            if action.is_write() && !matches!(action, Action::SignIn | Action::ManageOwnAccount) {
                assert!(!allowed, "auditor may {action:?}");
            }
        }
        for action in [
            Action::ReadOfficers,
            Action::ReadAuditTrail,
            Action::ReadTracks,
            Action::ReadUsers,
            Action::ReadCases,
        ] {
            assert!(allows(&auditor, action, &Object::Any), "{action:?}");
        }
        let permit = authorize(&auditor, act::ReadAuditTrail, Object::Any).unwrap();
        assert_eq!(permit.scope(), AuditScope::All);
    }

    #[test]
    fn monitors_see_the_fleet_but_no_officer_files() {
        let monitor = user(&[Role::Monitor]);
        assert!(allows(&monitor, Action::ReadFleet, &Object::Any));
        assert!(allows(&monitor, Action::ReadSlaReports, &Object::Any));
        assert!(allows(
            &monitor,
            Action::ReadFootage,
            &Object::Vehicle("PNC-0001")
        ));
        // An officer's footage is an officer record.
        assert!(!allows(
            &monitor,
            Action::ReadFootage,
            &Object::Officer("12345")
        ));
        let fleet = authorize(&monitor, act::ReadFleet, Object::Any).unwrap();
        assert!(!fleet.sees_crews());
        for action in [
            Action::ReadOfficers,
            Action::ReadConfidenceTests,
            Action::ReadTracks,
            Action::ReadFootageCaseLinks,
            Action::ReadReports,
            Action::ReadCases,
        ] {
            assert!(
                matches!(refusal(&monitor, action), AppError::Forbidden(_)),
                "{action:?}"
            );
            assert!(!allows(&monitor, action, &Object::Any), "{action:?}");
        }
    }

    #[test]
    fn admins_manage_accounts_see_account_events_only_and_no_case_content() {
        let admin = user(&[Role::Admin]);
        assert!(allows(&admin, Action::ManageUsers, &Object::Any));
        let trail = authorize(&admin, act::ReadAuditTrail, Object::Any).unwrap();
        assert_eq!(trail.scope(), AuditScope::AccountEvents);
        for action in [
            Action::ReadOfficers,
            Action::ReadTracks,
            Action::ReadFootage,
            Action::ReadCases,
        ] {
            assert!(!allows(&admin, action, &Object::Any), "{action:?}");
        }
        // Officer files, yes; confidence tests, no.
        assert!(allows(
            &admin,
            Action::ImportRecords,
            &Object::Import(RecordKind::Officers)
        ));
        assert!(!allows(
            &admin,
            Action::ImportRecords,
            &Object::Import(RecordKind::ConfidenceTests)
        ));
    }

    #[test]
    fn only_supervisors_unmask_national_ids() {
        for &role in Role::ALL {
            let reader = user(&[role]);
            let unmasked = authorize(&reader, act::ReadOfficers, Object::Any)
                .ok()
                .and_then(|p| p.national_ids())
                .is_some();
            assert_eq!(unmasked, role == Role::Supervisor, "{role:?}");
        }
    }

    #[test]
    fn several_roles_add_up() {
        let both = user(&[Role::Monitor, Role::Ministry]);
        assert!(allows(&both, Action::DecideCase, &Object::Any));
        assert!(allows(&both, Action::WriteFleet, &Object::Any));
        assert!(!allows(&both, Action::ReadTracks, &Object::Any));
        // A monitor who also reads officer files sees an officer's footage.
        let monitor_investigator = user(&[Role::Monitor, Role::Investigator]);
        assert!(allows(
            &monitor_investigator,
            Action::ReadFootage,
            &Object::Officer("1")
        ));
    }

    #[test]
    fn api_clients_may_only_ingest_what_their_scopes_name() {
        let camera_center = Principal::api_client(
            1,
            "centro".into(),
            vec![Scope::FootageWrite, Scope::HealthWrite],
        );
        for &action in Action::ALL {
            let allowed = allows(&camera_center, action, &Object::Any);
            let expected = matches!(action, Action::IngestFootage | Action::IngestHeartbeats);
            assert_eq!(allowed, expected, "{action:?}");
        }
        // And no person may ingest, whatever roles they hold.
        let everyone = user(Role::ALL);
        for action in [
            Action::IngestPings,
            Action::IngestFootage,
            Action::IngestHeartbeats,
            Action::LoadDemoData,
        ] {
            assert!(!allows(&everyone, action, &Object::Any), "{action:?}");
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
    fn only_the_ministry_decides_and_only_cases_sent_to_it() {
        let sent = CaseFacts {
            assigned_to: Some(7),
            sealed: false,
            sent_to_ministry: true,
        };
        let not_sent = CaseFacts {
            sent_to_ministry: false,
            ..sent
        };
        for &role in Role::ALL {
            let p = user(&[role]);
            assert_eq!(
                allows(&p, Action::DecideCase, &Object::Case(sent)),
                role == Role::Ministry,
                "{role:?}"
            );
            assert!(!allows(&p, Action::DecideCase, &Object::Case(not_sent)));
        }
    }

    /// Every combination of case facts, for each role: one case's decision
    /// and the list's row scope agree, and both follow DESIGN.md's matrix.
    #[test]
    fn case_reads_follow_the_matrix_and_the_row_scope_agrees() {
        let me = 1;
        for assigned in [None, Some(me), Some(2)] {
            for sealed in [false, true] {
                for sent in [false, true] {
                    let case = CaseFacts {
                        assigned_to: assigned,
                        sealed,
                        sent_to_ministry: sent,
                    };
                    for &role in Role::ALL {
                        let p = user(&[role]);
                        let read = allows(&p, Action::ReadCases, &Object::Case(case));
                        let expected = match role {
                            Role::Supervisor | Role::Auditor => true,
                            Role::Investigator => !sealed || assigned == Some(me),
                            Role::Ministry => sent,
                            Role::Monitor | Role::Admin => false,
                        };
                        assert_eq!(read, expected, "{role:?} {case:?}");
                        let scope = authorize(&p, act::ReadCases, Object::Any)
                            .map(|permit| permit.scope())
                            .unwrap_or(CaseScope::NONE);
                        assert_eq!(scope.allows(&case), read, "{role:?} {case:?}");
                        let write = allows(&p, Action::WriteCases, &Object::Case(case));
                        let expected = match role {
                            Role::Supervisor => true,
                            Role::Investigator => assigned == Some(me),
                            _ => false,
                        };
                        assert_eq!(write, expected, "write {role:?} {case:?}");
                        let unmasked = allows(&p, Action::ReadComplainant, &Object::Case(case));
                        let expected = match role {
                            Role::Supervisor | Role::Auditor => true,
                            Role::Investigator => assigned == Some(me),
                            _ => false,
                        };
                        assert_eq!(unmasked, expected, "complainant {role:?} {case:?}");
                        let supervise = allows(&p, Action::SuperviseCases, &Object::Case(case));
                        assert_eq!(supervise, role == Role::Supervisor, "supervise {role:?}");
                    }
                }
            }
        }
        let inv = authorize(&user(&[Role::Investigator]), act::ReadCases, Object::Any).unwrap();
        assert_eq!(
            inv.scope().sql_where("c", 1),
            "(c.assigned_to = $1 OR c.sealed = 0)"
        );
        let min = authorize(&user(&[Role::Ministry]), act::ReadCases, Object::Any).unwrap();
        assert_eq!(
            min.scope().sql_where("c", 1),
            "(c.status IN ('ministry_review', 'decided', 'closed'))"
        );
        assert_eq!(CaseScope::NONE.sql_where("c", 1), "1 = 0");
        // A scope that holds every case binds no user (PostgreSQL refuses
        // a parameter the statement does not use).
        let both = authorize(
            &user(&[Role::Investigator, Role::Auditor]),
            act::ReadCases,
            Object::Any,
        )
        .unwrap()
        .scope();
        assert_eq!(both.sql_where("c", 1), "1 = 1");
        assert_eq!(both.bound_user(), None);
        assert_eq!(inv.scope().bound_user(), Some(1));
    }

    #[test]
    fn the_console_operator_does_no_casework_and_the_demo_loader_only_loads() {
        let op = Principal::operator();
        assert!(allows(&op, Action::ManageUsers, &Object::Any));
        for action in [
            Action::ReadOfficers,
            Action::ReadCases,
            Action::IngestFootage,
        ] {
            assert!(!allows(&op, action, &Object::Any), "{action:?}");
        }
        let demo = Principal::demo_loader();
        assert!(allows(&demo, Action::IngestFootage, &Object::Any));
        for action in [
            Action::ReadOfficers,
            Action::ManageUsers,
            Action::ReadAuditTrail,
        ] {
            assert!(!allows(&demo, action, &Object::Any), "{action:?}");
        }
    }
}
