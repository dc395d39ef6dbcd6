//! The Ejento dashboard: a Leptos client-side app built by trunk.
//!
//! - [`api`]: the typed client over gloo-net, one module per resource; it refreshes tokens.
//! - [`clock`]: the one "now" and "today" of the dashboard (follows the server's when it is moved).
//! - [`session`]: tokens in `localStorage`, refresh with rotation, sign-out.
//! - [`pages`]: one module per route.
//! - [`components`]: the shell (sidebar, top bar), form fields, toasts, theme toggle.

pub mod api;
pub mod clock;
pub mod components;
mod lazy;
pub mod pages;
pub mod session;
pub mod theme;

use leptos::prelude::*;
use leptos_router::{
    Lazy,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use components::{shell::Shell, toast::ToastHost};
use pages::{
    change_password::ChangePassword, confirm::Confirm, home::Home, login::Login, not_found::NotFound,
    passwordless::Passwordless, register::Register,
};

/// Who is signed in, shared by every page. `None` until `/users/me` has answered.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: RwSignal<Option<ejento_api::CurrentUser>>,
}

#[component]
pub fn App() -> impl IntoView {
    theme::provide();
    provide_context(Auth {
        user: RwSignal::new(None),
    });
    components::toast::provide_toasts();
    view! {
        <Router>
            <ToastHost/>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=Login/>
                <Route path=path!("/register") view=Register/>
                <Route path=path!("/passwordless") view=Passwordless/>
                <Route path=path!("/auth/confirmation") view=Confirm/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=Home/>
                    <Route path=path!("/account/password") view=ChangePassword/>
                    <Route path=path!("/teams") view={Lazy::<lazy::Teams>::new()}/>
                    <Route path=path!("/teams/:id") view={Lazy::<lazy::TeamDetail>::new()}/>
                    <Route path=path!("/projects") view={Lazy::<lazy::Projects>::new()}/>
                    <Route path=path!("/projects/:id") view={Lazy::<lazy::ProjectDetail>::new()}/>
                    <Route path=path!("/corpora") view={Lazy::<lazy::Corpora>::new()}/>
                    <Route path=path!("/corpora/:id") view={Lazy::<lazy::CorpusDetail>::new()}/>
                    <Route path=path!("/documents/:id") view={Lazy::<lazy::DocumentDetail>::new()}/>
                    <Route path=path!("/agents") view={Lazy::<lazy::Agents>::new()}/>
                    <Route path=path!("/agents/new") view={Lazy::<lazy::NewAgent>::new()}/>
                    <Route path=path!("/agents/:id") view={Lazy::<lazy::AgentDetail>::new()}/>
                    // One route for a new chat and an open one, so moving between them keeps the page.
                    <Route path=path!("/agents/:id/chat/:thread?") view={Lazy::<lazy::Chat>::new()}/>
                    <Route path=path!("/chats") view={Lazy::<lazy::Chats>::new()}/>
                    <Route path=path!("/workflows") view={Lazy::<lazy::Workflows>::new()}/>
                    <Route path=path!("/workflows/new") view={Lazy::<lazy::NewWorkflow>::new()}/>
                    <Route path=path!("/workflows/:id") view={Lazy::<lazy::WorkflowChat>::new()}/>
                    <Route path=path!("/workflows/:id/edit") view={Lazy::<lazy::EditWorkflow>::new()}/>
                    <Route path=path!("/analytics") view={Lazy::<lazy::Analytics>::new()}/>
                    <Route path=path!("/admin") view={Lazy::<lazy::Users>::new()}/>
                    <Route path=path!("/admin/chat-logs") view={Lazy::<lazy::ChatLogs>::new()}/>
                    <Route path=path!("/admin/api-keys") view={Lazy::<lazy::ApiKeys>::new()}/>
                    <Route path=path!("/admin/guardrails") view={Lazy::<lazy::Guardrails>::new()}/>
                    <Route path=path!("/admin/models") view={Lazy::<lazy::Models>::new()}/>
                    <Route path=path!("/admin/audit-log") view={Lazy::<lazy::AuditLog>::new()}/>
                    <Route path=path!("/admin/tools") view={Lazy::<lazy::Tools>::new()}/>
                    <Route path=path!("/admin/notifications") view={Lazy::<lazy::NotificationSettings>::new()}/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<lazy::UserDetail>::new()}/>
                    <Route path=path!("/evaluations") view={Lazy::<lazy::Evaluations>::new()}/>
                    <Route path=path!("/evaluations/datasets/:id") view={Lazy::<lazy::EvaluationDataset>::new()}/>
                    <Route path=path!("/evaluations/runs/:id") view={Lazy::<lazy::EvaluationRun>::new()}/>
                    <Route path=path!("/evaluations/compare") view={Lazy::<lazy::EvaluationCompare>::new()}/>
                    <Route path=path!("/*any") view=NotFound/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
