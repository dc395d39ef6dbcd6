//! When something happened, as people read it: relative ("5 min ago", "yesterday", "4 Dec"),
//! with the exact local time on hover and in the markup.

use leptos::prelude::*;

use crate::clock;

#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    let exact = clock::local_minute(&at);
    let relative = clock::relative(&at);
    view! { <time datetime=at title=exact>{relative}</time> }
}
