//! The Ejento dashboard: a Leptos client-side app built by trunk.
//!
//! - [`api`]: the typed client over gloo-net, one module per resource; it refreshes tokens.
//! - [`session`]: tokens in `localStorage`, refresh with rotation, sign-out.
//! - [`pages`]: one module per route.
//! - [`components`]: the shell (sidebar, top bar), form fields, toasts, theme toggle.

pub mod api;
pub mod components;
pub mod pages;
pub mod session;
pub mod theme;

use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use components::{shell::Shell, toast::ToastHost};
use pages::{
    agents::{AgentDetail, AgentsPage, NewAgentPage},
    analytics::AnalyticsPage,
    change_password::ChangePassword,
    chat::ChatPage,
    chat_logs::ChatLogsPage,
    coming_soon::SectionPage,
    confirm::Confirm,
    corpora::{CorporaPage, CorpusDetail},
    documents::DocumentDetail,
    home::Home,
    login::Login,
    not_found::NotFound,
    passwordless::Passwordless,
    projects::{ProjectDetail, ProjectsPage},
    register::Register,
    teams::{TeamDetail, TeamsPage},
    users::{UserDetail, UsersPage},
};

/// Who is signed in, shared by every page. `None` until `/users/me` has answered.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: RwSignal<Option<ejento_api::CurrentUser>>,
}

#[component]
pub fn App() -> impl IntoView {
    theme::apply_stored();
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
                    <Route path=path!("/teams") view=TeamsPage/>
                    <Route path=path!("/teams/:id") view=TeamDetail/>
                    <Route path=path!("/projects") view=ProjectsPage/>
                    <Route path=path!("/projects/:id") view=ProjectDetail/>
                    <Route path=path!("/corpora") view=CorporaPage/>
                    <Route path=path!("/corpora/:id") view=CorpusDetail/>
                    <Route path=path!("/documents/:id") view=DocumentDetail/>
                    <Route path=path!("/agents") view=AgentsPage/>
                    <Route path=path!("/agents/new") view=NewAgentPage/>
                    <Route path=path!("/agents/:id") view=AgentDetail/>
                    <Route path=path!("/agents/:id/chat") view=ChatPage/>
                    <Route path=path!("/agents/:id/chat/:thread") view=ChatPage/>
                    <Route path=path!("/analytics") view=AnalyticsPage/>
                    <Route path=path!("/admin") view=UsersPage/>
                    <Route path=path!("/admin/chat-logs") view=ChatLogsPage/>
                    <Route path=path!("/admin/users/:id") view=UserDetail/>
                    <Route path=path!("/:section") view=SectionPage/>
                    <Route path=path!("/:section/*rest") view=SectionPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
