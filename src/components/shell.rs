//! The signed-in frame: sidebar navigation, top bar with the user's menu, and the page outlet.
//! Visiting any page inside it while signed out goes to the sign-in page and comes back after.

use leptos::{ev::KeyboardEvent, prelude::*};
use leptos_router::{
    components::{A, Outlet, Redirect},
    hooks::{use_location, use_navigate},
};

use crate::{
    Auth, api,
    components::{
        gate::{RoleNeed, allows},
        toast::use_toasts,
    },
    session,
    theme::ThemeToggle,
};

/// The product's sections, in sidebar order: (path, label, icon).
pub const SECTIONS: [(&str, &str, &str); 9] = [
    ("chats", "Chats", "✎"),
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
            <button class="nav-backdrop" type="button" tabindex="-1" aria-hidden="true" on:click=move |_| nav_open.set(false)></button>
            <aside class="sidebar" id="sidebar" aria-label="Main navigation"
                on:keydown=move |ev: KeyboardEvent| if ev.key() == "Escape" { nav_open.set(false) }>
                <button id="nav-close" class="icon-button nav-close" type="button" aria-label="Close the menu"
                    on:click=move |_| nav_open.set(false)>"×"</button>
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"E"</span>
                    <span>"Ejento"</span>
                </A>
                <nav>
                    <ul>
                        {SECTIONS
                            .into_iter()
                            .map(|(path, label, icon)| {
                                // Admin is for administrators; everyone reaches their own
                                // notification settings from the user menu.
                                let hidden = (path == "admin").then(|| allows(RoleNeed::OrgAdmin));
                                view! {
                                    <li class:hidden=move || hidden.is_some_and(|may| !may.get())>
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
                    <NotificationBell/>
                    <HelpMenu/>
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

/// How often the bell asks for the unread count.
const BELL_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// The bell: the unread count (kept fresh without a reload) and, when opened, the latest
/// notifications; opening one marks it read and goes to what it is about.
#[component]
fn NotificationBell() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let toasts = use_toasts();
    let navigate = StoredValue::new_local(use_navigate());
    let unread = RwSignal::new(0i64);
    let open = RwSignal::new(false);
    let list = RwSignal::new(None::<Result<ejento_api::NotificationPage, api::ApiError>>);
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(n) = api::notifications::unread().await {
                unread.try_set(n);
            }
        })
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(refresh, BELL_POLL) {
        on_cleanup(move || handle.clear());
    }
    let load_list = move || {
        leptos::task::spawn_local(async move {
            let page = api::notifications::latest().await;
            if let Ok(p) = &page {
                unread.try_set(p.unread);
            }
            list.try_set(Some(page));
        })
    };
    let toggle = move |_| {
        let now = !open.get_untracked();
        open.set(now);
        if now {
            load_list();
        }
    };
    let mark_all = move |_| {
        let Some(user) = auth.user.get_untracked().map(|u| u.id) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::notifications::mark_all_read(user).await {
                Ok(n) => {
                    unread.set(n);
                    load_list();
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <div class="bell" on:keydown=move |ev: KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
            <button
                id="notification-bell"
                class="icon-button bell-button"
                type="button"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-label=move || match unread.get() {
                    0 => "Notifications, none unread".to_string(),
                    n => format!("Notifications, {n} unread"),
                }
                on:click=toggle
            >
                <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                    <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/>
                    <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>
                </svg>
                {move || (unread.get() > 0).then(|| view! {
                    <span id="unread-count" class="bell-count" aria-hidden="true">{move || if unread.get() > 99 { "99+".to_string() } else { unread.get().to_string() }}</span>
                })}
            </button>
            <Show when=move || open.get()>
                <div class="menu notification-panel" id="notification-panel" role="dialog" aria-label="Notifications">
                    <div class="notification-head">
                        <strong>"Notifications"</strong>
                        <button id="mark-all-read" class="link" type="button" on:click=mark_all disabled=move || unread.get() == 0>"Mark all read"</button>
                    </div>
                    {move || match list.get() {
                        None => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                        Some(Ok(page)) if page.notifications.is_empty() => view! { <p class="muted notification-empty">"You're all caught up."</p> }.into_any(),
                        Some(Ok(page)) => view! {
                            <ul class="notification-list">
                                {page.notifications.into_iter().map(|n| {
                                    let (id, link, was_read) = (n.id, n.link.clone(), n.is_read);
                                    let go = move |_| {
                                        open.set(false);
                                        let navigate = navigate.get_value();
                                        let link = link.clone();
                                        leptos::task::spawn_local(async move {
                                            if !was_read && api::notifications::mark_read(id).await.is_ok() {
                                                unread.update(|u| *u = (*u - 1).max(0));
                                            }
                                            if !link.is_empty() {
                                                navigate(&link, Default::default());
                                            }
                                        });
                                    };
                                    view! {
                                        <li class=if n.is_read { "notification" } else { "notification unread" }>
                                            <button type="button" class="notification-item" on:click=go>
                                                <span class="notification-title">{n.title}</span>
                                                <span class="muted small notification-body">{n.body}</span>
                                                <span class="muted small">{crate::clock::local_minute(&n.created_on)}</span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                </div>
            </Show>
        </div>
    }
}

/// Help: the API reference (served by the server, opened beside the dashboard), the OpenAPI
/// document, and, for those who may manage them, API keys.
#[component]
fn HelpMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    let manages_keys = allows(RoleNeed::GlobalAdmin);
    view! {
        <div
            class="user-menu help-menu"
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                id="help-menu-button"
                class="icon-button"
                type="button"
                aria-haspopup="menu"
                aria-label="Help"
                title="Help"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "?"
            </button>
            <Show when=move || open.get()>
                <div class="menu" role="menu" on:click=move |_| open.set(false)>
                    <p class="menu-caption">"Use the API"</p>
                    <a href="/api-reference" target="_blank" rel="noopener" role="menuitem" id="menu-api-reference">
                        "API reference ↗"
                    </a>
                    <a href="/api/v2/openapi.json" target="_blank" rel="noopener" role="menuitem" id="menu-openapi">
                        "OpenAPI document (JSON) ↗"
                    </a>
                    <Show when=move || manages_keys.get()>
                        <A href="/admin/api-keys" attr:role="menuitem" attr:id="menu-api-keys">
                            "API keys"
                        </A>
                    </Show>
                </div>
            </Show>
        </div>
    }
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
                    <A href="/admin/notifications" attr:role="menuitem" attr:id="menu-notification-settings">
                        "Notification settings"
                    </A>
                    <button id="logout" type="button" role="menuitem" on:click=log_out.clone()>
                        "Log out"
                    </button>
                </div>
            </Show>
        </div>
    }
}
