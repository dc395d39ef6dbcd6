//! Admin → Chat logs: every answer of the organization (administrators) or the caller's own,
//! filtered by the URL, paged, with a detail panel and a CSV export of exactly the filtered rows.

use ejento_api::{ChatLog, ChatLogDetail, ChatLogPage};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api,
    components::{
        load::{empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
};

/// The filters of the page, as the URL holds them.
const FILTERS: [&str; 6] = ["search", "feedback", "status", "query_source", "from", "to"];

#[component]
pub fn ChatLogsPage() -> impl IntoView {
    let toasts = use_toasts();
    let params: Vec<(&'static str, Signal<String>)> = FILTERS.iter().map(|f| (*f, query_param(f))).collect();
    let has_comments = query_param("has_comments");
    let page = page_param();
    let set_query = query_setter();
    let current = {
        let params = params.clone();
        move || {
            let mut q: Vec<(String, String)> = params
                .iter()
                .map(|(name, v)| (name.to_string(), v.get()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            if !has_comments.get().is_empty() {
                q.push(("has_comments".into(), has_comments.get()));
            }
            q
        }
    };
    let state = {
        let current = current.clone();
        load(
            move || (current(), page.get()),
            |(q, p)| async move { api::chat_logs::search(&q, p).await },
        )
    };
    let selected = RwSignal::new(None::<i64>);
    let export = {
        let current = current.clone();
        move |_| {
            let q = current();
            leptos::task::spawn_local(async move {
                if let Err(e) = api::chat_logs::export_csv(&q).await {
                    toasts.error(e.message);
                }
            });
        }
    };
    let select = |name: &'static str, label: &'static str, options: &'static [(&'static str, &'static str)]| {
        let value = query_param(name);
        let set = query_setter();
        view! {
            <label class="inline">
                <span class="sr-only">{label}</span>
                <select id=format!("filter-{name}") aria-label=label prop:value=move || value.get()
                    on:change=move |ev| set(&[(name, event_target_value(&ev)), ("page", String::new())])>
                    {options.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let date = |name: &'static str, label: &'static str| {
        let value = query_param(name);
        let set = query_setter();
        view! {
            <label class="inline small">{label}" "
                <input id=format!("filter-{name}") type="date" prop:value=move || value.get()
                    on:change=move |ev| set(&[(name, event_target_value(&ev)), ("page", String::new())])/>
            </label>
        }
    };
    view! {
        <section class="page">
            <super::admin::AdminNav/>
            <header class="page-header">
                <div>
                    <p class="crumbs"><A href="/admin">"Admin"</A></p>
                    <h1>"Chat logs"</h1>
                </div>
                <div class="header-actions">
                    <button id="export-csv" class="button" type="button" on:click=export>"Export CSV"</button>
                </div>
            </header>
            <div class="toolbar">
                <SearchBox label="Search questions and answers"/>
                {select("feedback", "Feedback", &[("", "Any feedback"), ("upvote", "Upvoted"), ("downvote", "Downvoted"), ("any", "Voted"), ("none", "No vote")])}
                {select("status", "Outcome", &[("", "Any outcome"), ("completed", "Answered"), ("failed", "Failed"), ("cancelled", "Stopped"), ("blocked", "Blocked by a guardrail")])}
                {select("query_source", "Source", &[("", "People's questions"), ("web", "Web"), ("api", "API"), ("evaluation", "Evaluation runs"), ("all", "Any source")])}
                {date("from", "From")}
                {date("to", "To")}
                <label class="inline small">
                    <input id="filter-has-comments" type="checkbox" prop:checked=move || has_comments.get() == "true"
                        on:change=move |ev| set_query(&[("has_comments", if event_target_checked(&ev) { "true".into() } else { String::new() }), ("page", String::new())])/>
                    " With comments"
                </label>
            </div>
            {show(state, move |p: ChatLogPage| {
                if p.chatlogs.is_empty() {
                    return empty("No chat logs", "Nothing matches these filters. Answers appear here as people ask agents.").into_any();
                }
                let meta = p.meta;
                view! {
                    <table class="table" id="chat-log-table">
                        <thead><tr><th>"When"</th><th>"Agent"</th><th>"Who"</th><th>"Question"</th><th>"Outcome"</th><th>"Votes"</th><th>"Comments"</th><th>"Tokens"</th><th>"Time"</th></tr></thead>
                        <tbody>
                            {p.chatlogs.into_iter().map(|l: ChatLog| {
                                let id = l.id;
                                view! {
                                    <tr class="clickable" on:click=move |_| selected.set(Some(id))>
                                        <td class="small">{crate::clock::local_minute(&l.created_on)}</td>
                                        <td>{l.agent_name.clone()}</td>
                                        <td class="small">{l.user_email.clone()}</td>
                                        <td><button class="link-button" type="button">{l.question.clone()}</button></td>
                                        <td><span class=format!("badge step step-{}", if l.success { "indexed" } else { "failed" })>{l.status.clone()}</span></td>
                                        <td>{format!("▲ {} ▼ {}", l.upvotes, l.downvotes)}</td>
                                        <td>{l.comment_count}</td>
                                        <td>{l.total_tokens}</td>
                                        <td class="small">{format!("{:.1} s", l.latency_ms as f64 / 1000.0)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager meta=meta/>
                }.into_any()
            })}
            {move || selected.get().map(|id| view! { <LogDetail id=id close=Callback::new(move |_| selected.set(None))/> })}
        </section>
    }
}

#[component]
fn LogDetail(id: i64, close: Callback<()>) -> impl IntoView {
    let detail = load(move || id, |id| async move { api::chat_logs::detail(id).await });
    view! {
        <aside class="citation-panel card" id="chat-log-detail" aria-label="Chat log">
            <header class="page-header">
                <h2>"Chat log"</h2>
                <button class="icon-button" type="button" aria-label="Close" on:click=move |_| close.run(())>"×"</button>
            </header>
            {show(detail, |d: ChatLogDetail| view! {
                <p class="question-text"><strong>{d.log.question.clone()}</strong></p>
                <p class="prewrap">{d.log.answer.clone()}</p>
                {d.response.as_ref().and_then(|r| r.message.clone()).map(|m| view! { <p class="form-error">{m}</p> })}
                <h3>"Supporting content"</h3>
                {if d.supporting_content.is_empty() {
                    view! { <p class="muted">"No passages were used."</p> }.into_any()
                } else {
                    view! {
                        <ol class="chunk-list">
                            {d.supporting_content.into_iter().map(|c| view! {
                                <li>
                                    <A href=format!("/documents/{}", c.document_id)>{c.document_title.clone()}</A>
                                    <span class="muted small">{format!(" · score {:.2}", c.score)}</span>
                                    <p class="chunk-text">{c.text}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
                <h3>"Comments"</h3>
                {if d.comments.is_empty() {
                    view! { <p class="muted">"No comments."</p> }.into_any()
                } else {
                    view! {
                        <ul class="link-list">
                            {d.comments.into_iter().map(|c| view! { <li>{c.comment}<span class="muted small">{format!(" · {}", c.created_by)}</span></li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            })}
        </aside>
    }
}
