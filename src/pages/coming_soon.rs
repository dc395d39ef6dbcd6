//! Sections that are not built yet say so plainly, with no sample data.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use crate::components::shell::SECTIONS;

/// A section of the product by its path segment (`/agents`, `/agents/42`, …).
#[component]
pub fn SectionPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let section = params.with(|p| p.get("section")).unwrap_or_default();
        match SECTIONS.iter().find(|(path, ..)| *path == section) {
            Some((_, label, _)) => view! { <ComingSoon title=label/> }.into_any(),
            None => view! { <NotFound/> }.into_any(),
        }
    }
}

#[component]
pub fn ComingSoon(title: &'static str) -> impl IntoView {
    view! {
        <section class="page">
            <h1>{title}</h1>
            <div class="empty-state" id="coming-soon">
                <p class="empty-title">"Coming soon"</p>
                <p>{format!("{title} is not part of this version yet. Nothing here is sample data: the page fills in when the feature ships.")}</p>
            </div>
        </section>
    }
}
