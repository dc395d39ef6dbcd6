//! Light and dark themes. With no stored choice the CSS follows the system; the toggle stores
//! an explicit choice on `<html data-theme>`.

use leptos::prelude::*;

const KEY: &str = "ejento.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

fn stored() -> Option<Theme> {
    crate::session::storage()?
        .get_item(KEY)
        .ok()
        .flatten()
        .as_deref()
        .and_then(Theme::parse)
}

fn system() -> Theme {
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches());
    if dark { Theme::Dark } else { Theme::Light }
}

/// The theme in effect: the stored choice, else the system's.
pub fn current() -> Theme {
    stored().unwrap_or_else(system)
}

fn set_attribute(theme: Option<Theme>) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = match theme {
            Some(t) => root.set_attribute("data-theme", t.as_str()),
            None => root.remove_attribute("data-theme"),
        };
    }
}

/// The theme in effect, for what CSS cannot restyle (charts are drawn on a canvas).
#[derive(Clone, Copy)]
struct Current(RwSignal<Theme>);

/// Applies the stored choice and provides the theme in effect to every component; when there
/// is no stored choice it follows the system's setting as it changes.
pub fn provide() {
    set_attribute(stored());
    let theme = RwSignal::new(current());
    provide_context(Current(theme));
    if let Some(query) = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()) {
        let follow = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || theme.set(current()));
        let _ = query.add_event_listener_with_callback("change", wasm_bindgen::JsCast::unchecked_ref(follow.as_ref()));
        // Lives as long as the page.
        follow.forget();
    }
}

/// The theme in effect, reactive (light outside [`provide`]).
pub fn use_theme() -> Signal<Theme> {
    match use_context::<Current>() {
        Some(Current(theme)) => theme.into(),
        None => Signal::stored(Theme::Light),
    }
}

pub fn choose(theme: Theme) {
    if let Some(s) = crate::session::storage() {
        let _ = s.set_item(KEY, theme.as_str());
    }
    set_attribute(Some(theme));
    if let Some(Current(current)) = use_context::<Current>() {
        current.set(theme);
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = use_theme();
    let label = move || match theme.get() {
        Theme::Light => "Switch to dark theme",
        Theme::Dark => "Switch to light theme",
    };
    view! {
        <button
            id="theme-toggle"
            class="icon-button"
            type="button"
            title=label
            aria-label=label
            on:click=move |_| {
                let next = theme.get_untracked().toggled();
                choose(next);
            }
        >
            {move || if theme.get() == Theme::Dark { "☀" } else { "☾" }}
        </button>
    }
}
