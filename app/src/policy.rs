//! The one place that answers "may this actor do this action?".
//!
//! Every server function and API handler starts with [`authorize`]. The
//! answer, an [`Actor`], can only be made here (its fields are private), and
//! store functions that change data or read sensitive data take `&Actor`:
//! code that skips the check does not compile.
//!
//! The matrix is DESIGN.md's "The policy". Until accounts exist, the only
//! principal is the anonymous visitor, who may read the system status page.

use crate::error::AppError;

/// Who a request comes from, before the policy has looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in.
    Anonymous,
}

impl Principal {
    /// The principal of the current server-function request.
    pub fn current() -> Principal {
        // Sessions arrive with the identity work; until then every request
        // is anonymous.
        Principal::Anonymous
    }
}

/// Everything the policy can be asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Record counts, database backend and version: no personal data.
    ReadSystemStatus,
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

    /// A stable label for logs and, later, the audit trail.
    pub fn label(&self) -> &'static str {
        match self.principal {
            Principal::Anonymous => "anonymous",
        }
    }
}

/// Decides whether `principal` may do `action`. A refusal is an `Err`
/// (401 or 403), never a redirect that lets the action run.
pub fn authorize(principal: &Principal, action: Action) -> Result<Actor, AppError> {
    let allowed = match (principal, action) {
        (Principal::Anonymous, Action::ReadSystemStatus) => true,
    };
    if allowed {
        Ok(Actor {
            principal: principal.clone(),
            action,
        })
    } else if *principal == Principal::Anonymous {
        Err(AppError::Unauthenticated)
    } else {
        Err(AppError::Forbidden(format!("{action:?} is not allowed")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_may_read_the_system_status() {
        let actor = authorize(&Principal::Anonymous, Action::ReadSystemStatus).unwrap();
        assert_eq!(actor.label(), "anonymous");
        assert_eq!(actor.action(), Action::ReadSystemStatus);
    }
}
