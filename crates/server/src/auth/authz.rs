//! Role checks, in one place. Routes state what they need; this module decides.

use ejento_api::OrgRole;

use super::Caller;
use crate::error::{Error, Result};

/// Organization-level permissions. Later resource roles (team, project, agent) join here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgPermission {
    /// Create, list and revoke the organization's API keys.
    ManageApiKeys,
}

pub fn require(caller: &Caller, permission: OrgPermission) -> Result<()> {
    let allowed = match permission {
        OrgPermission::ManageApiKeys => caller.role() == OrgRole::GlobalAdmin,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Only a Global Admin of the organization can do that.".into(),
        ))
    }
}

/// Access to an organization named in a path: a caller of another organization sees a 404,
/// exactly as for an organization that does not exist.
pub fn require_own_org(caller: &Caller, organization_id: i64) -> Result<()> {
    if caller.org_id() == organization_id {
        Ok(())
    } else {
        Err(Error::not_found("Organization"))
    }
}
