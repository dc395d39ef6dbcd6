//! Teams, projects, users of an organization, and the organization's configurations.

use serde::{Deserialize, Serialize};

use crate::{OrgRole, PageMeta};

/// Role on a team, project or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ResourceRole {
    Member,
    Admin,
}

impl ResourceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceRole::Admin => "Admin",
            ResourceRole::Member => "Member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Admin" => Some(ResourceRole::Admin),
            "Member" => Some(ResourceRole::Member),
            _ => None,
        }
    }
}

/// A user as listed inside an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub role: OrgRole,
    pub is_active: bool,
    pub organization: i64,
    pub created_on: String,
}

/// A member of a team, project or agent, with their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub full_name: String,
    pub role: ResourceRole,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub organization: i64,
    pub member_count: i64,
    pub project_count: i64,
    /// The caller's role on the team, if any.
    pub my_role: Option<ResourceRole>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TeamInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub organization: i64,
    pub team: Option<i64>,
    pub team_name: Option<String>,
    pub agent_count: i64,
    pub my_role: Option<ResourceRole>,
    pub created_by: String,
    pub created_on: String,
    pub modified_by: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The team whose members get access; `None` for a project of named members only.
    #[serde(default)]
    pub team_id: Option<i64>,
}

/// Adding members: by user id or by e-mail, with one role for all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AddMembers {
    #[serde(default)]
    pub user_ids: Vec<i64>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default = "member_role")]
    pub role: String,
}

fn member_role() -> String {
    "Member".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleInput {
    pub role: String,
}

/// `POST /organizations/{id}/users`: an administrator creates an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreateUser {
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default = "user_role")]
    pub role: String,
    /// Optional: without one the user signs in by e-mail link.
    #[serde(default)]
    pub password: Option<String>,
}

fn user_role() -> String {
    "User".into()
}

/// `PUT /users/{id}`: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateUser {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeleteUsers {
    pub user_ids: Vec<i64>,
}

/// Organization-level permissions that can be granted to a user on top of their role.
pub const ORG_PERMISSIONS: [&str; 6] = [
    "view_analytics",
    "manage_users",
    "manage_teams",
    "manage_projects",
    "manage_tools",
    "manage_guardrails",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrgPermission {
    pub id: i64,
    pub user_id: i64,
    pub permission: String,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PermissionInput {
    pub permission: String,
}

/// Everything a user may do, as `GET /users/{id}/permissions` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserPermissions {
    pub user_id: i64,
    pub role: OrgRole,
    pub organization_permissions: Vec<OrgPermission>,
    pub teams: Vec<RoleGrant>,
    pub projects: Vec<RoleGrant>,
    pub agents: Vec<RoleGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleGrant {
    pub id: i64,
    pub name: String,
    pub role: ResourceRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LlmConfiguration {
    pub id: i64,
    pub model_name: String,
    pub model_deployment: Vec<String>,
    pub provider: String,
    pub is_enabled: bool,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Configuration {
    pub id: i64,
    pub name: String,
    pub settings: serde_json::Value,
    pub is_active: bool,
    pub created_on: String,
}

/// A page of a list: the items under their resource's name, and `meta`.
#[macro_export]
macro_rules! paged {
    ($name:ident, $field:ident, $item:ty) => {
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub struct $name {
            pub $field: Vec<$item>,
            pub meta: $crate::PageMeta,
        }
    };
}

paged!(CommentPage, comments, crate::Comment);
paged!(ReviewPage, reviews, crate::Review);
paged!(TeamPage, teams, Team);
paged!(ProjectPage, projects, Project);
paged!(UserPage, users, User);
paged!(MemberPage, users, Member);

/// Default and largest page sizes of every list.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Keeps `PageMeta` reachable for the macro's users.
pub type Meta = PageMeta;

/// Something a person was told about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notification {
    pub id: i64,
    pub user: i64,
    /// `indexing_failed`, `evaluation_finished`, `added_to_team`, `added_to_project`,
    /// `agent_shared` or `message`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A dashboard path to what it is about ("" for none).
    pub link: String,
    pub is_read: bool,
    pub read_on: Option<String>,
    pub created_by: String,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Unread notifications of the caller in all.
    pub unread: i64,
    pub meta: PageMeta,
}

/// A message to people of the organization: to `user_ids` (administrators only, for others
/// than themselves), or to oneself when none are named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationInput {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

/// Mark read or unread: one notification, or (per user) the ones named or all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationUpdate {
    pub is_read: bool,
    #[serde(default)]
    pub notification_ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnreadCount {
    pub unread: i64,
}

/// A feature flag of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeatureFlag {
    /// As in its path: `share-agent`, `caching`, …
    pub name: String,
    pub enabled: bool,
    /// What it is when the organization has not set it.
    pub default: bool,
    pub description: String,
    /// Whether this version has the feature it gates (the others are stored for when it does).
    pub available: bool,
    pub modified_by: Option<String>,
    pub modified_on: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeatureFlagInput {
    pub enabled: bool,
}

/// Which OAuth sign-in providers are offered (`GET /api/v2/feature-flags/oauth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OAuthFlags {
    pub google: bool,
    pub microsoft: bool,
    pub github: bool,
    pub okta: bool,
}

/// One administrative change: who, what, when, and the resource before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditLogEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditLogPage {
    pub entries: Vec<AuditLogEntry>,
    pub meta: crate::PageMeta,
}

/// The kinds of notification a person may turn off, with what they are about. (Messages from
/// administrators always arrive.)
pub const NOTIFICATION_KINDS: [(&str, &str); 5] = [
    ("indexing_failed", "A document I uploaded could not be indexed"),
    ("evaluation_finished", "An evaluation run I started completed or failed"),
    ("added_to_team", "Someone added me to a team"),
    ("added_to_project", "Someone added me to a project"),
    ("agent_shared", "Someone gave me access to an agent"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationSetting {
    pub kind: String,
    pub label: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationSettingChange {
    pub kind: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationSettingsInput {
    pub settings: Vec<NotificationSettingChange>,
}

/// A message sent to people: the notifications written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageSent {
    pub ids: Vec<i64>,
    pub count: i64,
}
