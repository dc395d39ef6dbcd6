//! The signed-in frame: sidebar navigation, top bar with the user's menu, and the page outlet.
//! Visiting any page inside it while signed out goes to the sign-in page and comes back after.

use leptos::{ev::KeyboardEvent, prelude::*};
use leptos_router::{
    components::{A, Outlet, Redirect},
    hooks::{use_location, use_navigate},
};

use crate::{Auth, api, components::toast::use_toasts, session, theme::ThemeToggle};

/// The product's sections, in sidebar order: (path, label, icon).
pub const SECTIONS: [(&str, &str, &str); 8] = [
    ("agents", "Agents", "◎"),
    ("corpora", "Corpora", "▤"),
    ("teams", "Teams", "☷"),
    ("projects", "Projects", "▦"),
    ("workflows", "Workflows", "⇄"),
    ("evaluations", "Evaluations", "✓"),
    ("analytics", "Analytics", "◔"),
    ("admin", "Admin", "⚙"),
];

#[component]
pub fn Shell() -> impl IntoView {
    let location = use_location();
    if !session::is_signed_in() {
        // The router's `search` has no leading '?'.
        let search = location.search.get_untracked();
        let here = if search.is_empty() {
            location.pathname.get_untracked()
        } else {
            format!(
                "{}?{}",
                location.pathname.get_untracked(),
                search.trim_start_matches('?')
            )
        };
        let to = format!("/login?next={}", String::from(js_sys::encode_uri_component(&here)));
        return view! { <Redirect path=to/> }.into_any();
    }
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    if auth.user.get_untracked().is_none() {
        leptos::task::spawn_local(async move {
            match api::users::me().await {
                Ok(user) => auth.user.set(Some(user)),
                Err(e) if e.status == 401 => {}
                Err(e) => toasts.error(e.message),
            }
        });
    }
    let nav_open = RwSignal::new(false);
    // Close the mobile navigation whenever the route changes.
    Effect::new(move |_| {
        location.pathname.track();
        nav_open.set(false);
    });
    view! {
        <div class="app" class:nav-open=move || nav_open.get()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <aside class="sidebar" id="sidebar" aria-label="Main navigation">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"E"</span>
                    <span>"Ejento"</span>
                </A>
                <nav>
                    <ul>
                        {SECTIONS
                            .into_iter()
                            .map(|(path, label, icon)| {
                                view! {
                                    <li>
                                        <A href=format!("/{path}") attr:id=format!("nav-{path}")>
                                            <span class="nav-icon" aria-hidden="true">{icon}</span>
                                            <span>{label}</span>
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </aside>
            <div class="main-column">
                <header class="topbar">
                    <button
                        id="nav-toggle"
                        class="icon-button nav-toggle"
                        type="button"
                        aria-controls="sidebar"
                        aria-expanded=move || nav_open.get().to_string()
                        aria-label="Menu"
                        on:click=move |_| nav_open.update(|o| *o = !*o)
                    >
                        "☰"
                    </button>
                    <div class="topbar-spacer"></div>
                    <ThemeToggle/>
                    <UserMenu/>
                </header>
                <main id="main" tabindex="-1">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn UserMenu() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let open = RwSignal::new(false);
    let navigate = use_navigate();
    let name = move || auth.user.get().map(|u| u.name).unwrap_or_default();
    let log_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            api::auth::logout().await;
            auth.user.set(None);
            navigate("/login", Default::default());
        });
    };
    view! {
        <div
            class="user-menu"
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                id="user-menu-button"
                class="user-button"
                type="button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="avatar" aria-hidden="true">
                    {move || name().chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                </span>
                <span id="user-name">{name}</span>
            </button>
            <Show when=move || open.get()>
                <div class="menu" role="menu" on:click=move |_| open.set(false)>
                    <p class="menu-caption">
                        {move || auth.user.get().map(|u| format!("{} · {}", u.organization.org_name, u.role.as_str()))}
                    </p>
                    <A href="/account/password" attr:role="menuitem" attr:id="menu-change-password">
                        "Change password"
                    </A>
                    <button id="logout" type="button" role="menuitem" on:click=log_out.clone()>
                        "Log out"
                    </button>
                </div>
            </Show>
        </div>
    }
}
