//! Loading data into a view: a signal that is Loading, Ready or Failed, refetched whenever the
//! signals its key reads change (the URL's filters, a refresh counter).

use std::future::Future;

use leptos::prelude::*;

use crate::api::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(ApiError),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// Fetches `fetch(key())` now and again whenever `key` changes; stale answers are dropped.
pub fn load<K, T, F, Fut>(key: impl Fn() -> K + Send + Sync + 'static, fetch: F) -> RwSignal<Load<T>>
where
    K: Send + Sync + 'static,
    T: Send + Sync + 'static,
    F: Fn(K) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let state = RwSignal::new(Load::Loading);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let k = key();
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        leptos::task::spawn_local(async move {
            let result = fetch(k).await;
            if generation.try_get_value() == Some(mine) {
                state.try_set(match result {
                    Ok(v) => Load::Ready(v),
                    Err(e) => Load::Failed(e),
                });
            }
        });
    });
    state
}

/// Renders the three states: a spinner line, the error with a retry hint, or `ready(value)`.
pub fn show<T, V>(state: RwSignal<Load<T>>, ready: impl Fn(T) -> V + Send + Sync + 'static) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match state.get() {
        Load::Loading => view! { <p class="loading" role="status">"Loading…"</p> }.into_any(),
        Load::Failed(e) => failure(e).into_any(),
        Load::Ready(v) => ready(v).into_any(),
    }
}

/// A failed load as people should read it: a refusal says what access is needed, a missing
/// thing says so, and only a real fault is shown as an error.
pub fn failure(e: ApiError) -> impl IntoView {
    match e.status {
        403 => crate::components::gate::forbidden("You need more access to see this.".into(), Some(e.message)).into_any(),
        404 => view! {
            <div class="empty-state" role="note">
                <p class="empty-title">"Not found"</p>
                <p>{e.message}</p>
            </div>
        }
        .into_any(),
        0 => view! { <div class="form-error" role="alert">{e.message}</div> }.into_any(),
        _ => view! {
            <div class="form-error" role="alert">{e.message}" "<span class="muted">"Reload the page to try again."</span></div>
        }
        .into_any(),
    }
}

/// A plain empty state.
pub fn empty(title: &'static str, hint: &'static str) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-title">{title}</p>
            <p>{hint}</p>
        </div>
    }
}

/// Asks before something destructive.
pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}
