//! Pages whose code is fetched only when they are first opened.
//!
//! `make dashboard` builds with `--cfg ejento_split`: each group below becomes one split point
//! (`#[lazy]`), and `scripts/build-dashboard.sh` runs `wasm-split-cli`, which moves the group's
//! pages and everything only they use (analytics takes charming with it) into modules of their
//! own that the router fetches on the first navigation to one of them. Pages are grouped by
//! section so a visit fetches a few modules, not one per page. Any other build (`trunk serve`,
//! the wasm tests) compiles the same groups as ordinary async functions in one module, because
//! an unsplit binary with split points cannot be instantiated.
//!
//! A page may name the organization role it needs (`[RoleNeed::…]`): others get a notice
//! saying what they need, and the page's code never runs for them.
//!
//! The sign-in pages, the shell and the home page stay in the main module: they are what the
//! first visit needs.

use leptos::prelude::*;

use crate::components::gate::RoleNeed;

macro_rules! lazy_groups {
    ($($(#[$doc:meta])* $group:ident: $pages:ident { $($route:ident => $page:path $([$need:expr])?),* $(,)? })*) => {$(
        #[derive(Clone, Copy)]
        enum $pages {
            $($route,)*
        }

        $(#[$doc])*
        #[cfg_attr(ejento_split, leptos::lazy)]
        async fn $group(page: $pages) -> AnyView {
            match page {
                $($pages::$route => {
                    let page = || $page().into_any();
                    $(let page = move || crate::components::gate::gated($need, page).into_any();)?
                    page()
                })*
            }
        }

        $(
            /// A route of this group, for `Lazy::<…>::new()` in the router.
            pub struct $route;

            impl leptos_router::LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $group($pages::$route).await
                }
            }
        )*
    )*};
}

lazy_groups! {
    /// `/analytics`: charts, tables, charming.
    analytics: AnalyticsPages {
        Analytics => crate::pages::analytics::AnalyticsPage,
    }
    /// `/agents/:id/chat[/:thread]` and `/chats`: streaming, markdown, attachments, history.
    chat: ChatPages {
        Chat => crate::pages::chat::ChatPage,
        Chats => crate::pages::chats::ChatsPage,
    }
    /// `/agents…`: the list, the new-agent form, an agent's settings.
    agents: AgentPages {
        Agents => crate::pages::agents::AgentsPage,
        NewAgent => crate::pages::agents::NewAgentPage,
        AgentDetail => crate::pages::agents::AgentDetail,
    }
    /// `/corpora…` and `/documents/:id`: uploads, retrieval test, chunks.
    knowledge: KnowledgePages {
        Corpora => crate::pages::corpora::CorporaPage,
        CorpusDetail => crate::pages::corpora::CorpusDetail,
        DocumentDetail => crate::pages::documents::DocumentDetail,
    }
    /// `/workflows…`: the list, the form, conversations with a workflow.
    workflows: WorkflowPages {
        Workflows => crate::pages::workflows::WorkflowsPage,
        NewWorkflow => crate::pages::workflows::NewWorkflowPage,
        EditWorkflow => crate::pages::workflows::EditWorkflowPage,
        WorkflowChat => crate::pages::workflows::WorkflowChatPage,
    }
    /// `/evaluations…`: datasets, runs, results, comparisons.
    evaluations: EvaluationPages {
        Evaluations => crate::pages::evaluations::EvaluationsPage,
        EvaluationDataset => crate::pages::evaluations::DatasetPage,
        EvaluationRun => crate::pages::evaluation_runs::RunPage,
        EvaluationCompare => crate::pages::evaluation_runs::ComparePage,
    }
    /// `/teams…`, `/projects…` and `/admin…`.
    organization: OrganizationPages {
        Teams => crate::pages::teams::TeamsPage,
        TeamDetail => crate::pages::teams::TeamDetail,
        Projects => crate::pages::projects::ProjectsPage,
        ProjectDetail => crate::pages::projects::ProjectDetail,
        Users => crate::pages::users::UsersPage [RoleNeed::OrgAdmin],
        UserDetail => crate::pages::users::UserDetail [RoleNeed::OrgAdmin],
        ChatLogs => crate::pages::chat_logs::ChatLogsPage [RoleNeed::OrgAdmin],
        ApiKeys => crate::pages::admin::ApiKeysPage [RoleNeed::GlobalAdmin],
        Guardrails => crate::pages::guardrails::GuardrailsPage [RoleNeed::OrgAdmin],
        Models => crate::pages::admin::ModelsPage [RoleNeed::OrgAdmin],
        AuditLog => crate::pages::admin::AuditLogPage [RoleNeed::GlobalAdmin],
        Tools => crate::pages::tools::ToolsPage [RoleNeed::OrgAdmin],
        NotificationSettings => crate::pages::admin::NotificationsPage,
    }
}
