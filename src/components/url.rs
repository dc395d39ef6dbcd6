//! The URL holds filters, pages and tabs, so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_query_map};

/// One query parameter as a signal ("" when absent).
pub fn query_param(name: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get(name)).unwrap_or_default())
}

/// The numeric `:id` of the current route (0 when it is not a number, which no resource has).
pub fn id_param() -> Signal<i64> {
    let params = leptos_router::hooks::use_params_map();
    Signal::derive(move || {
        params
            .with(|p| p.get("id"))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    })
}

/// The page number in `?page=`, at least 1.
pub fn page_param() -> Signal<u64> {
    let page = query_param("page");
    Signal::derive(move || page.get().parse().unwrap_or(1).max(1))
}

/// Returns a setter that replaces some query parameters (empty removes) and keeps the rest.
pub fn query_setter() -> impl Fn(&[(&str, String)]) + Clone + 'static {
    let navigate = leptos_router::hooks::use_navigate();
    move |updates: &[(&str, String)]| {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let path = location.pathname().unwrap_or_default();
        let search = location.search().unwrap_or_default();
        let mut pairs: Vec<(String, String)> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let k = js_sys::decode_uri_component(k).ok()?.as_string()?;
                let v = js_sys::decode_uri_component(&v.replace('+', " ")).ok()?.as_string()?;
                Some((k, v))
            })
            .collect();
        for (key, value) in updates {
            pairs.retain(|(k, _)| k != key);
            if !value.is_empty() {
                pairs.push((key.to_string(), value.clone()));
            }
        }
        let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let query = crate::api::query(&query);
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    }
}
