//! Previous / next for a paginated list; the page lives in the URL.

use ejento_api::PageMeta;
use leptos::prelude::*;

use super::url::query_setter;

#[component]
pub fn Pager(meta: PageMeta) -> impl IntoView {
    let set = query_setter();
    let set_prev = set.clone();
    let (page, pages) = (meta.current_page, meta.num_pages);
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                <button
                    class="button"
                    type="button"
                    disabled={page <= 1}
                    on:click=move |_| set_prev(&[("page", (page - 1).to_string())])
                >
                    "← Previous"
                </button>
                <span class="muted">{format!("Page {page} of {pages} · {} in all", meta.count)}</span>
                <button
                    class="button"
                    type="button"
                    disabled={page >= pages}
                    on:click=move |_| set(&[("page", (page + 1).to_string())])
                >
                    "Next →"
                </button>
            </nav>
        }
    })
}

/// A search box bound to `?search=` (resets to page 1 as you type).
#[component]
pub fn SearchBox(#[prop(into)] label: String, #[prop(default = "search")] id: &'static str) -> impl IntoView {
    let current = super::url::query_param("search");
    let set = query_setter();
    view! {
        <input
            id=id
            class="search"
            type="search"
            placeholder=label.clone()
            aria-label=label
            prop:value=move || current.get()
            on:input=move |ev| set(&[("search", event_target_value(&ev)), ("page", String::new())])
        />
    }
}
