//! Role checks, in one place. Routes say what they are about to do; this module loads the
//! resource within the caller's organization and decides. A resource of another organization is
//! a 404, exactly like one that does not exist.
//!
//! Org roles: Global Admin (everything), Application Admin (every team, project and agent, but
//! not users or API keys), User. Resource roles (team, project, agent): Admin or Member. A
//! project's team passes its members' roles to the project; a project passes roles to its agents;
//! an agent's owner is its Admin. Public agents are visible (not editable) to the whole org.

use ejento_api::{OrgRole, ResourceRole};

use super::Caller;
use crate::{
    error::{Error, Result},
    state::AppState,
    store::{AgentRow, CorpusRow, DatasetRow, ProjectRow, TeamRow, WorkflowRow, WorkflowThreadRow},
};

/// Organization-level actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    ManageApiKeys,
    ManageUsers,
    CreateTeam,
    CreateProjectWithoutTeam,
    ManageAgentTypes,
    ManageEvaluationMetrics,
    ManageGuardrails,
    ManageTools,
    ReadAuditLog,
}

impl OrgAction {
    /// The grantable permission that also allows the action (besides the roles that always may).
    fn permission(self) -> Option<&'static str> {
        match self {
            OrgAction::ManageUsers => Some("manage_users"),
            OrgAction::CreateTeam => Some("manage_teams"),
            OrgAction::CreateProjectWithoutTeam => Some("manage_projects"),
            OrgAction::ManageApiKeys
            | OrgAction::ManageAgentTypes
            | OrgAction::ManageEvaluationMetrics
            | OrgAction::ManageGuardrails
            | OrgAction::ManageTools
            | OrgAction::ReadAuditLog => None,
        }
    }
}

/// Global and Application Admins administer every team, project and agent of the organization.
pub fn is_org_admin(caller: &Caller) -> bool {
    matches!(caller.role(), OrgRole::GlobalAdmin | OrgRole::ApplicationAdmin)
}

pub async fn allowed(state: &AppState, caller: &Caller, action: OrgAction) -> Result<bool> {
    let by_role = match action {
        OrgAction::ManageApiKeys | OrgAction::ManageUsers | OrgAction::ReadAuditLog => {
            caller.role() == OrgRole::GlobalAdmin
        }
        OrgAction::CreateTeam
        | OrgAction::CreateProjectWithoutTeam
        | OrgAction::ManageAgentTypes
        | OrgAction::ManageEvaluationMetrics
        | OrgAction::ManageGuardrails
        | OrgAction::ManageTools => is_org_admin(caller),
    };
    if by_role {
        return Ok(true);
    }
    match action.permission() {
        Some(p) => Ok(state
            .store
            .org_permissions(caller.user_id())
            .await?
            .iter()
            .any(|g| g.permission == p)),
        None => Ok(false),
    }
}

pub async fn require(state: &AppState, caller: &Caller, action: OrgAction) -> Result<()> {
    if allowed(state, caller, action).await? {
        return Ok(());
    }
    Err(Error::Forbidden(match action {
        OrgAction::ManageApiKeys => "Only a Global Admin can manage API keys.".into(),
        OrgAction::ManageUsers => "Only a Global Admin (or a user allowed to manage users) can do that.".into(),
        OrgAction::CreateTeam => "Only administrators (or users allowed to manage teams) can create teams.".into(),
        OrgAction::CreateProjectWithoutTeam => {
            "Only administrators can create a project without a team; choose a team you are an Admin of.".into()
        }
        OrgAction::ManageAgentTypes => "Only administrators can change agent types.".into(),
        OrgAction::ManageEvaluationMetrics => "Only administrators can change evaluation metrics.".into(),
        OrgAction::ManageGuardrails => "Only administrators can change guardrails.".into(),
        OrgAction::ManageTools => "Only administrators can change the organization's tools.".into(),
        OrgAction::ReadAuditLog => "Only a Global Admin can read the audit log.".into(),
    }))
}

/// Access to an organization named in a path.
pub fn require_own_org(caller: &Caller, organization_id: i64) -> Result<()> {
    if caller.org_id() == organization_id {
        Ok(())
    } else {
        Err(Error::not_found("Organization"))
    }
}

/// What the caller is about to do with a team, project or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read it.
    View,
    /// Work inside it (create agents in a project).
    Contribute,
    /// Change or delete it, manage its members.
    Administer,
}

fn check(role: Option<ResourceRole>, need: Need, visible: bool, what: &str) -> Result<()> {
    let ok = match need {
        Need::View => visible || role.is_some(),
        Need::Contribute => role.is_some(),
        Need::Administer => role == Some(ResourceRole::Admin),
    };
    if ok {
        return Ok(());
    }
    Err(Error::Forbidden(match need {
        Need::View => format!("This {what} is private: ask its owner or an administrator for access."),
        Need::Contribute => format!("You are not a member of this {what}."),
        Need::Administer => format!("Only an Admin of this {what} can do that."),
    }))
}

pub async fn team(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<TeamRow> {
    let team = state
        .store
        .find_team(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Team"))?;
    let role = if is_org_admin(caller) {
        Some(ResourceRole::Admin)
    } else {
        team.my_role.as_deref().and_then(ResourceRole::parse)
    };
    // Teams are the organization's directory: every member may look at any of them.
    check(role, need, true, "team")?;
    Ok(team)
}

pub async fn project(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<ProjectRow> {
    let project = state
        .store
        .find_project(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Project"))?;
    let role = if is_org_admin(caller) {
        Some(ResourceRole::Admin)
    } else {
        project.my_role()
    };
    check(role, need, true, "project")?;
    Ok(project)
}

/// Loads an agent and the caller's effective role on it (org admins are Admins of every agent).
pub async fn agent(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<(AgentRow, Option<ResourceRole>)> {
    let agent = state
        .store
        .find_agent(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Agent"))?;
    let role = if is_org_admin(caller) {
        Some(ResourceRole::Admin)
    } else {
        state.store.agent_role(&agent, caller.user_id()).await?
    };
    check(role, need, agent.access == "Public", "agent")?;
    Ok((agent, role))
}

/// Loads a corpus and the caller's access to it. The owner and org administrators administer
/// it; a permission grants Read or Write (Write works inside it: documents); public corpora
/// are readable by the whole organization.
pub async fn corpus(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<(CorpusRow, Option<String>)> {
    let corpus = state
        .store
        .find_corpus(caller.org_id(), caller.user_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Corpus"))?;
    let owner = is_org_admin(caller) || corpus.owner_id == caller.user_id();
    let access = if owner {
        Some("Write".to_string())
    } else {
        corpus
            .my_access
            .clone()
            .or_else(|| (corpus.is_public != 0).then(|| "Read".to_string()))
    };
    let role = match (owner, access.as_deref()) {
        (true, _) => Some(ResourceRole::Admin),
        (false, Some("Write")) => Some(ResourceRole::Member),
        _ => None,
    };
    if need == Need::Contribute && role.is_none() && access.is_some() {
        return Err(Error::Forbidden(
            "You can read this corpus but not change it: adding or changing its documents needs Write access, \
             which its owner or an administrator can give."
                .into(),
        ));
    }
    check(role, need, access.is_some(), "corpus")?;
    Ok((corpus, access))
}

/// Loads a chat thread: its owner uses it; organization administrators may too (support and
/// audits). Anyone else gets 404, as threads are private.
pub async fn thread(state: &AppState, caller: &Caller, id: i64) -> Result<crate::store::ThreadRow> {
    let thread = state
        .store
        .thread(caller.org_id(), id)
        .await?
        .filter(|t| t.user_id == caller.user_id() || is_org_admin(caller))
        .ok_or_else(|| Error::not_found("Chat thread"))?;
    Ok(thread)
}

/// Loads a workflow. Everyone who can see its project may use it (it answers with its agents);
/// its creator, the project's Admins and org administrators administer it.
pub async fn workflow(state: &AppState, caller: &Caller, id: i64, need: Need) -> Result<WorkflowRow> {
    let workflow = state
        .store
        .find_workflow(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Workflow"))?;
    let project = project(state, caller, workflow.project_id, Need::View).await?;
    let role = if is_org_admin(caller) || workflow.user_id == caller.user_id() {
        Some(ResourceRole::Admin)
    } else {
        project.my_role()
    };
    check(role, need, true, "workflow")?;
    Ok(workflow)
}

/// A conversation with a workflow: its owner's (org administrators may read it too).
pub async fn workflow_thread(state: &AppState, caller: &Caller, id: i64) -> Result<WorkflowThreadRow> {
    state
        .store
        .find_workflow_thread(caller.org_id(), id)
        .await?
        .filter(|t| t.user_id == caller.user_id() || is_org_admin(caller))
        .ok_or_else(|| Error::not_found("Workflow chat thread"))
}

/// Loads an evaluation dataset. Measuring an agent is its Admins' work (org administrators
/// included): they read and change its datasets; others get 403, other organizations 404.
pub async fn dataset(state: &AppState, caller: &Caller, id: i64) -> Result<DatasetRow> {
    let dataset = state
        .store
        .find_dataset(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Evaluation dataset"))?;
    agent(state, caller, dataset.agent_id, Need::Administer).await?;
    Ok(dataset)
}
