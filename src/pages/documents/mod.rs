//! A corpus's documents (upload with byte progress and chunking settings, live indexing
//! status, bulk actions), its retrieval test, and a document's own page (metadata, status
//! history, chunks, reindex).

mod chunking;

use std::collections::BTreeSet;

use ejento_api::{
    ChunkPage, ChunkSizing, Document, DocumentEvent, DocumentPage, RetrievalMode, RetrievalResult, RetrievedChunk,
    step_in_progress,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::{
    api::{self, documents::Upload},
    components::{
        load::{confirm, empty, load, show},
        pager::{Pager, SearchBox},
        toast::use_toasts,
        url::{page_param, query_param, query_setter},
    },
};

/// "1.2 MB", for people.
pub fn human_size(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    } else if bytes >= 1024.0 {
        format!("{:.0} KB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

/// Splits `text` into (piece, is a match) around case-insensitive occurrences of `terms`, so
/// matches can be marked without ever building HTML from the text.
pub fn highlight(text: &str, terms: &[String]) -> Vec<(String, bool)> {
    let lower = text.to_ascii_lowercase();
    let mut marks = vec![false; text.len()];
    for term in terms.iter().filter(|t| !t.is_empty()) {
        let term = term.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find(&term) {
            let start = from + at;
            // Words are marked from their start ("refund" in "Refunds"), never inside another
            // word ("on" in "months").
            if !lower[..start].chars().next_back().is_some_and(char::is_alphanumeric) {
                marks[start..start + term.len()].iter_mut().for_each(|m| *m = true);
            }
            from = start + term.len();
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    for (i, c) in text.char_indices() {
        let marked = marks[i];
        match out.last_mut() {
            Some((piece, m)) if *m == marked => piece.push(c),
            _ => out.push((c.to_string(), marked)),
        }
    }
    out
}

/// The name of a corpus, for a breadcrumb ("…" until it is known).
fn corpus_name(corpus: i64) -> impl IntoView {
    let corpus = load(move || corpus, |id| async move { api::corpora::one(id).await });
    move || corpus.with(|c| c.ready().map_or_else(|| "…".to_string(), |c| c.name.clone()))
}

fn step_label(step: &str) -> &'static str {
    match step {
        "pending" => "Queued",
        "parsing" => "Reading",
        "chunking" => "Chunking",
        "indexing" => "Indexing",
        "indexed" => "Indexed",
        "failed" => "Failed",
        _ => "Unknown",
    }
}

#[component]
pub(crate) fn StepBadge(step: String, progress: i64) -> impl IntoView {
    let busy = step_in_progress(&step);
    view! {
        <span class=format!("badge step step-{step}") data-step=step.clone()>{step_label(&step)}</span>
        {busy.then(|| view! {
            <progress class="bar" max="100" value=progress aria-label=format!("{progress}% indexed")></progress>
        })}
    }
}

/// One file (or text, or link) on its way up.
#[derive(Clone)]
struct UploadItem {
    key: u32,
    name: String,
    sent: RwSignal<f64>,
    total: RwSignal<f64>,
    /// None while uploading; Some(Ok) done; Some(Err) failed with the reason.
    outcome: RwSignal<Option<Result<String, String>>>,
    /// Set when the same content is already in the corpus: the upload waits for a decision.
    duplicate_of: RwSignal<Option<String>>,
    /// Once uploaded: the document, and how far its indexing is (followed until it settles).
    document: RwSignal<Option<i64>>,
    step: RwSignal<Option<(String, Option<String>)>>,
}

impl UploadItem {
    /// Uploaded, and its indexing not yet finished (indexed or failed).
    fn indexing(&self) -> Option<i64> {
        let settled = self
            .step
            .with(|s| s.as_ref().is_some_and(|(step, _)| !step_in_progress(step)));
        self.document.get().filter(|_| !settled)
    }
}

/// `default_sizing`: how the corpus cuts documents when the upload does not say.
#[component]
pub fn CorpusDocuments(corpus: i64, can_write: bool, default_sizing: ChunkSizing) -> impl IntoView {
    let toasts = use_toasts();
    let search = query_param("search");
    let step = query_param("step");
    let page = page_param();
    let set_query = query_setter();
    let tick = RwSignal::new(0u32);
    let state = load(
        move || (search.get(), step.get(), page.get(), tick.get()),
        move |(s, st, p, _)| async move { api::documents::list(corpus, &s, &st, p).await },
    );
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let uploads = RwSignal::new(Vec::<UploadItem>::new());
    let next_key = StoredValue::new(0u32);
    let held = StoredValue::new_local(Vec::<(u32, web_sys::File)>::new());

    // Statuses change on the server: poll while anything is on its way.
    let busy = move || {
        state.with(|s| {
            s.ready()
                .is_some_and(|p| p.documents.iter().any(|d| step_in_progress(&d.step)))
        }) || uploads.with(|u| {
            u.iter()
                .any(|i| (i.outcome.get().is_none() && i.duplicate_of.get().is_none()) || i.indexing().is_some())
        })
    };
    // Each uploaded file follows its own document until indexed or failed, whatever page or
    // filter the table shows.
    let follow_uploads = move || {
        for item in uploads.get_untracked() {
            let Some(id) = item.indexing() else { continue };
            leptos::task::spawn_local(async move {
                if let Ok(d) = api::documents::one(id).await {
                    item.step.try_set(Some((d.step, d.failure_reason)));
                }
            });
        }
    };
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy() {
                tick.update(|t| *t += 1);
                follow_uploads();
            }
        },
        std::time::Duration::from_millis(1200),
    ) {
        on_cleanup(move || handle.clear());
    }

    // How what is added next is cut: typed in the chunking settings, read at each upload.
    let (chunk_size, chunk_overlap) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let start_upload = move |item: UploadItem, what: Upload| {
        let sizing = match chunking::chosen(
            &chunk_size.get_untracked(),
            &chunk_overlap.get_untracked(),
            default_sizing,
        ) {
            Ok(sizing) => sizing,
            Err(problem) => {
                item.outcome.set(Some(Err(format!("Not added: {problem}"))));
                return;
            }
        };
        leptos::task::spawn_local(async move {
            let (sent, total) = (item.sent, item.total);
            let result = api::documents::upload(corpus, what, false, sizing, move |s, t| {
                sent.try_set(s);
                total.try_set(t);
            })
            .await;
            item.outcome.try_set(Some(match result {
                Ok(queued) => {
                    item.document.try_set(Some(queued.id));
                    Ok("Uploaded".into())
                }
                Err(e) => Err(e.message),
            }));
            tick.try_update(|t| *t += 1);
        });
    };
    // An item's signals belong to this list, whatever view asked for the upload (the chunk
    // preview that asks goes away as it does).
    let owner = StoredValue::new(Owner::current().expect("a component has an owner"));
    let new_item = move |name: String, total: f64| {
        let key = next_key.get_value() + 1;
        next_key.set_value(key);
        let item = owner.get_value().with(|| UploadItem {
            key,
            name,
            sent: RwSignal::new(0.0),
            total: RwSignal::new(total),
            outcome: RwSignal::new(None),
            duplicate_of: RwSignal::new(None),
            document: RwSignal::new(None),
            step: RwSignal::new(None),
        });
        uploads.update(|u| u.insert(0, item.clone()));
        item
    };
    let add_files = move |files: web_sys::FileList| {
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let item = new_item(file.name(), file.size());
            leptos::task::spawn_local(async move {
                // Same content already here? Ask before uploading it again.
                if let Some(hash) = api::documents::sha256(&file).await
                    && let Ok(d) = api::documents::duplicates(corpus, &hash).await
                    && let Some(existing) = d.duplicates.first().and_then(|g| g.documents.first())
                {
                    item.duplicate_of.try_set(Some(existing.title.clone()));
                    held.update_value(|h| h.push((item.key, file)));
                    return;
                }
                start_upload(item, Upload::File(file));
            });
        }
    };
    let upload_anyway = move |item: UploadItem| {
        let file = held
            .try_update_value(|h| {
                let at = h.iter().position(|(k, _)| *k == item.key)?;
                Some(h.remove(at).1)
            })
            .flatten();
        if let Some(file) = file {
            item.duplicate_of.set(None);
            start_upload(item, Upload::File(file));
        }
    };
    let skip = move |item: UploadItem| {
        held.update_value(|h| h.retain(|(k, _)| *k != item.key));
        uploads.update(|u| u.retain(|i| i.key != item.key));
    };

    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            add_files(files);
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(files) = input.files() {
            add_files(files);
        }
        input.set_value("");
    };
    let text = RwSignal::new(String::new());
    let link = RwSignal::new(String::new());
    let add_text = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            toasts.error("Type or paste some text first.");
            return;
        }
        let item = new_item("Pasted text".into(), body.len() as f64);
        text.set(String::new());
        start_upload(item, Upload::Text(body));
    };
    let add_link = move |ev: SubmitEvent| {
        ev.prevent_default();
        let url = link.get_untracked();
        if url.trim().is_empty() {
            toasts.error("Paste a link first.");
            return;
        }
        let item = new_item(url.clone(), 0.0);
        link.set(String::new());
        start_upload(item, Upload::Weblink(url));
    };

    let add_previewed = Callback::new(move |(name, what): (String, Upload)| {
        let total = match &what {
            Upload::File(file) => file.size(),
            Upload::Text(text) => text.len() as f64,
            Upload::Weblink(_) => 0.0,
        };
        start_upload(new_item(name, total), what);
    });

    let delete_selected = move |_| {
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        if ids.is_empty() || !confirm(&format!("Delete {} document(s)? They leave search at once.", ids.len())) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::documents::delete_many(corpus, ids).await {
                Ok(a) => {
                    toasts.success(format!("{} document(s) deleted.", a.count));
                    selected.set(BTreeSet::new());
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let retry = move |_| {
        leptos::task::spawn_local(async move {
            match api::documents::retry_failed(corpus).await {
                Ok(a) => {
                    toasts.success(format!("{} failed document(s) queued again.", a.count));
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let reindex_all = move |_| {
        if !confirm("Reindex every document of this corpus? They stay searchable meanwhile.") {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::documents::reindex_corpus(corpus).await {
                Ok(a) => {
                    toasts.success(format!("{} document(s) queued for reindexing.", a.count));
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };

    view! {
        {can_write.then(|| view! {
            <section class="card upload-card">
                <div
                    id="dropzone"
                    class="dropzone"
                    class:dragging=move || dragging.get()
                    on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop
                >
                    <p><strong>"Drop files here"</strong>" or "
                        <label class="link-button">"choose files"
                            <input id="file-input" type="file" multiple class="sr-only" on:change=on_pick/>
                        </label>
                    </p>
                    <p class="muted small">"PDF, Word, Excel, PowerPoint, HTML, Markdown, text, CSV and JSON."</p>
                </div>
                <div class="grid-2">
                    <form on:submit=add_text class="stack">
                        <label for="add-text">"Add text"</label>
                        <textarea id="add-text" rows="3" prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        <button class="button" type="submit">"Add text"</button>
                    </form>
                    <form on:submit=add_link class="stack">
                        <label for="add-link">"Add a web page"</label>
                        <input id="add-link" type="url" placeholder="https://…" prop:value=move || link.get()
                            on:input=move |ev| link.set(event_target_value(&ev))/>
                        <button class="button" type="submit">"Add link"</button>
                    </form>
                </div>
                <chunking::ChunkingSettings default_sizing corpus size=chunk_size overlap=chunk_overlap
                    text link add=add_previewed/>
                <ul class="upload-list" id="upload-list" aria-live="polite">
                    <For each=move || uploads.get() key=|i| i.key let:item>
                        <li class="upload-item">
                            <span class="upload-name">{item.name.clone()}</span>
                            {move || {
                                let item = item.clone();
                                if let Some(existing) = item.duplicate_of.get() {
                                    let (a, b) = (item.clone(), item.clone());
                                    return view! {
                                        <span class="warning" role="alert">{format!("Already in this corpus as “{existing}”.")}</span>
                                        <button class="button small" type="button" on:click=move |_| upload_anyway(a.clone())>"Upload anyway"</button>
                                        <button class="button small" type="button" on:click=move |_| skip(b.clone())>"Skip"</button>
                                    }.into_any();
                                }
                                match item.outcome.get() {
                                    None => {
                                        let (sent, total) = (item.sent.get(), item.total.get());
                                        let pct = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
                                        view! {
                                            <progress class="bar" max="100" value=pct aria-label=format!("Uploading {}", item.name)></progress>
                                            <span class="muted small">{format!("{} of {}", human_size(sent), human_size(total))}</span>
                                        }.into_any()
                                    }
                                    Some(Ok(_)) => match item.step.get() {
                                        Some((step, _)) if step == "indexed" => view! {
                                            <span class="ok" data-step="indexed">"Uploaded · indexed"</span>
                                        }.into_any(),
                                        Some((step, reason)) if step == "failed" => view! {
                                            <span class="error" data-step="failed">{format!("Uploaded · indexing failed: {}", reason.unwrap_or_default())}</span>
                                        }.into_any(),
                                        step => {
                                            let label = step.map_or("Queued", |(s, _)| step_label(&s));
                                            view! { <span class="muted" data-step="indexing">{format!("Uploaded · {}…", label.to_lowercase())}</span> }.into_any()
                                        }
                                    },
                                    Some(Err(m)) => view! { <span class="error" role="alert">{m}</span> }.into_any(),
                                }
                            }}
                        </li>
                    </For>
                </ul>
            </section>
        })}
        <div class="toolbar">
            <SearchBox label="Search documents"/>
            <label class="inline">
                <span class="sr-only">"Status"</span>
                <select id="step-filter" aria-label="Status" prop:value=move || step.get()
                    on:change=move |ev| set_query(&[("step", event_target_value(&ev)), ("page", String::new())])>
                    <option value="">"All statuses"</option>
                    <option value="in_progress">"In progress"</option>
                    <option value="indexed">"Indexed"</option>
                    <option value="failed">"Failed"</option>
                </select>
            </label>
            {can_write.then(|| view! {
                <button id="delete-selected" class="button danger" type="button" on:click=delete_selected
                    disabled=move || selected.with(|s| s.is_empty())>
                    {move || format!("Delete selected ({})", selected.with(|s| s.len()))}
                </button>
                <button class="button" type="button" on:click=retry>"Retry failed"</button>
                <button class="button" type="button" on:click=reindex_all>"Reindex all"</button>
            })}
        </div>
        {show(state, move |p: DocumentPage| {
            if p.documents.is_empty() {
                return empty("No documents", "Drop files above, or add a text or a web page, to fill this corpus.").into_any();
            }
            let meta = p.meta;
            view! {
                <table class="table" id="document-table">
                    <thead><tr>
                        <th><span class="sr-only">"Select"</span></th>
                        <th>"Document"</th><th>"Type"</th><th>"Size"</th><th>"Tags"</th><th>"Status"</th><th>"Added"</th>
                    </tr></thead>
                    <tbody>
                        {p.documents.into_iter().map(|d: Document| {
                            let id = d.id;
                            let (title, row_name, select_label) = (d.title.clone(), d.title.clone(), format!("Select {}", d.title));
                            view! {
                                <tr data-document=row_name>
                                    <td><input type="checkbox" aria-label=select_label
                                        prop:checked=move || selected.with(|s| s.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                        }/></td>
                                    <td><A href=format!("/documents/{id}")>{title}</A>
                                        {d.failure_reason.clone().map(|r| view! { <div class="error small">{r}</div> })}</td>
                                    <td>{if d.content_type == "file" { d.format.clone() } else { d.content_type.clone() }}</td>
                                    <td>{human_size(d.size_bytes as f64)}</td>
                                    <td>{d.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</td>
                                    <td><StepBadge step=d.step.clone() progress=d.progress/></td>
                                    <td class="small">{d.created_by.clone()}<div class="muted">{crate::clock::local_minute(&d.created_on)}</div></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager meta=meta/>
            }.into_any()
        })}
    }
}

/// Where a passage stood in each ranking, and its score under `scored_by` (the mode that ran):
/// "BM25 #2 · meaning #1 · fused 0.84".
fn ranks(c: &RetrievedChunk, scored_by: RetrievalMode) -> String {
    let place = |rank: Option<u32>| rank.map_or_else(|| "—".to_string(), |r| format!("#{r}"));
    let score = match scored_by {
        RetrievalMode::Keyword => "BM25 score",
        RetrievalMode::Semantic => "cosine",
        RetrievalMode::Hybrid => "fused",
    };
    format!(
        "BM25 {} · meaning {} · {score} {:.2}",
        place(c.keyword_rank),
        place(c.vector_rank),
        c.score
    )
}

#[component]
pub fn RetrievalTest(corpus: i64) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let mode = RwSignal::new(RetrievalMode::default());
    let result = RwSignal::new(None::<Result<RetrievalResult, String>>);
    let running = RwSignal::new(false);
    let run = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = text.get_untracked();
        running.set(true);
        leptos::task::spawn_local(async move {
            let r = api::documents::retrieval_test(corpus, &q, mode.get_untracked())
                .await
                .map_err(|e| e.message);
            result.try_set(Some(r));
            running.try_set(false);
        });
    };
    view! {
        <section class="card">
            <form class="toolbar" on:submit=run>
                <label for="retrieval-query" class="sr-only">"Question"</label>
                <input id="retrieval-query" type="search" placeholder="Ask what an agent would be asked…"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <label for="retrieval-mode" class="sr-only">"Search by"</label>
                <select id="retrieval-mode" on:change=move |ev| mode.set(RetrievalMode::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {RetrievalMode::ALL.into_iter().map(|m| view! {
                        <option value=m.as_str() selected=move || mode.get() == m>{m.label()}</option>
                    }).collect_view()}
                </select>
                <button id="run-retrieval" class="button primary" type="submit" disabled=move || running.get()>
                    {move || if running.get() { "Searching…" } else { "Search" }}
                </button>
            </form>
            {move || match result.get() {
                None => view! { <p class="muted">"See which passages an agent would receive for a question, best first."</p> }.into_any(),
                Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                Some(Ok(r)) if r.chunks.is_empty() => view! {
                    <p class="muted" id="retrieval-empty">"Nothing in this corpus matches. Try other words."</p>
                }.into_any(),
                Some(Ok(r)) => {
                    let terms = r.terms.clone();
                    let scored_by = if r.embedding_model.is_some() { r.mode } else { RetrievalMode::Keyword };
                    let how = match (&r.embedding_model, r.mode) {
                        (None, _) => "by keywords only: this server has no embedding model".to_string(),
                        (Some(_), RetrievalMode::Keyword) => "by keywords (BM25)".to_string(),
                        (Some(model), RetrievalMode::Semantic) => format!("by meaning ({model})"),
                        (Some(model), RetrievalMode::Hybrid) => format!("by keywords and meaning ({model}), fused"),
                    };
                    view! {
                        <p class="muted small" id="retrieval-summary">
                            {format!("{} passages in {:.1} ms, {how}", r.chunks.len(), r.took_ms)}
                        </p>
                        <ol class="retrieval-results" id="retrieval-results">
                            {r.chunks.into_iter().map(|c| (ranks(&c, scored_by), c)).map(|(ranked, c)| view! {
                                <li class="retrieved">
                                    <div class="retrieved-head">
                                        <A href=format!("/documents/{}", c.document_id)>{c.document_title.clone()}</A>
                                        <span class="muted small">
                                            {c.page.map(|p| format!(" · page {p}")).unwrap_or_default()}
                                            {c.section.clone().map(|s| format!(" · {s}")).unwrap_or_default()}
                                        </span>
                                        <span class="ranks small">{ranked}</span>
                                    </div>
                                    <p class="chunk-text">
                                        {highlight(&c.text, &terms).into_iter().map(|(piece, hit)| if hit {
                                            view! { <mark>{piece}</mark> }.into_any()
                                        } else {
                                            view! { <span>{piece}</span> }.into_any()
                                        }).collect_view()}
                                    </p>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn DocumentDetail() -> impl IntoView {
    let id = crate::components::url::id_param();
    let toasts = use_toasts();
    let tick = RwSignal::new(0u32);
    let doc = load(
        move || (id.get(), tick.get()),
        |(id, _)| async move { api::documents::one(id).await },
    );
    let history = load(
        move || (id.get(), tick.get()),
        |(id, _)| async move { api::documents::history(id).await },
    );
    // Changing the document (reindex, tags, chunks) needs Write access on its corpus.
    let corpus = load(
        move || doc.with(|d| d.ready().map(|d| d.corpus_id)),
        |corpus| async move {
            match corpus {
                Some(id) => api::corpora::one(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let default_sizing = Signal::derive(move || {
        corpus.with(|c| {
            c.ready()
                .and_then(Option::as_ref)
                .map(|c| ChunkSizing::of_indexing_mode(c.indexing_mode.id))
        })
    });
    let can_write = Signal::derive(move || {
        corpus.with(|c| {
            c.ready()
                .and_then(Option::as_ref)
                .is_some_and(|c| c.my_access.as_deref() == Some("Write"))
        })
    });
    let page = page_param();
    let chunks = load(
        move || (id.get(), page.get(), tick.get()),
        |(id, p, _)| async move { api::documents::chunks(id, p).await },
    );
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if doc.with_untracked(|d| d.ready().is_some_and(|d| step_in_progress(&d.step))) {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_millis(1200),
    ) {
        on_cleanup(move || handle.clear());
    }
    let reindex = move |_| {
        leptos::task::spawn_local(async move {
            match api::documents::reindex(id.get_untracked()).await {
                Ok(_) => {
                    toasts.success("Queued for reindexing.");
                    tick.update(|t| *t += 1);
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <section class="page">
            {show(doc, move |d: Document| view! {
                <header class="page-header">
                    <div>
                        <p class="crumbs" id="document-crumbs">
                            <A href="/corpora">"Corpora"</A>" › "
                            <A href=format!("/corpora/{}", d.corpus_id)>{corpus_name(d.corpus_id)}</A>
                        </p>
                        <h1 id="document-title">{d.title.clone()}</h1>
                        <p><StepBadge step=d.step.clone() progress=d.progress/></p>
                        {d.failure_reason.clone().map(|r| view! { <p class="form-error" role="alert">{r}</p> })}
                    </div>
                    <Show when=move || can_write.get()>
                        <div class="header-actions">
                            <button class="button" type="button" id="document-reindex" on:click=reindex>"Reindex"</button>
                        </div>
                    </Show>
                </header>
                <dl class="facts">
                    <dt>"Source"</dt><dd class="break">{d.source.clone()}</dd>
                    <dt>"Type"</dt><dd>{format!("{} ({})", d.content_type, d.format)}</dd>
                    <dt>"Size"</dt><dd>{human_size(d.size_bytes as f64)}</dd>
                    <dt>"Chunks"</dt><dd>{d.chunk_count}</dd>
                    <dt>"Chunking"</dt><dd>
                        <chunking::ChunkingEditor document=d.id current=d.chunk_sizing default_sizing can_write
                            on_saved=Callback::new(move |()| tick.update(|t| *t += 1))/>
                    </dd>
                    <dt>"Content hash"</dt><dd class="mono small break">{d.content_hash.clone()}</dd>
                    <dt>"Added"</dt><dd>{format!("{} by {}", crate::clock::local_minute(&d.created_on), d.created_by)}</dd>
                    <dt>"Tags"</dt><dd>{d.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</dd>
                </dl>
                {
                    let tags = d.tags.clone();
                    move || can_write.get().then(|| view! {
                        <TagEditor document=d.id tags=tags.clone() on_saved=Callback::new(move |_| tick.update(|t| *t += 1))/>
                    })
                }
            })}
            <div class="grid-2">
                <section class="card">
                    <h2>"Chunks"</h2>
                    <p class="muted small" id="chunks-note">{move || if can_write.get() {
                        "Turn a chunk off to keep it out of answers, or correct its text; a reindex makes fresh chunks."
                    } else {
                        "You can read this corpus. Correcting or turning off chunks needs Write access on it, which its owner or an administrator can give."
                    }}</p>
                    {show(chunks, move |p: ChunkPage| {
                        if p.chunks.is_empty() {
                            return empty("No chunks", "Chunks appear once the document is indexed.").into_any();
                        }
                        let meta = p.meta;
                        view! {
                            <ol class="chunk-list" id="chunk-list">
                                {p.chunks.into_iter().map(|c| view! { <ChunkItem chunk=c refresh=tick can_write/> }).collect_view()}
                            </ol>
                            <Pager meta=meta/>
                        }.into_any()
                    })}
                </section>
                <section class="card">
                    <h2>"Status history"</h2>
                    {show(history, |events: Vec<DocumentEvent>| view! {
                        <ol class="timeline" id="history">
                            {events.into_iter().map(|e| view! {
                                <li><span class=format!("badge step step-{}", e.step)>{e.step.clone()}</span>" "{e.message}
                                    <span class="muted small">{format!(" · {}", crate::clock::local_minute(&e.created_on))}</span></li>
                            }).collect_view()}
                        </ol>
                    })}
                </section>
            </div>
        </section>
    }
}

/// Tags of a document, edited as a comma-separated list.
#[component]
fn TagEditor(document: i64, tags: Vec<String>, on_saved: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let text = RwSignal::new(tags.join(", "));
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let tags = crate::pages::agents::split_tags(&text.get_untracked());
        leptos::task::spawn_local(async move {
            match api::documents::set_tags(document, tags).await {
                Ok(_) => {
                    toasts.success("Tags saved.");
                    on_saved.run(());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    view! {
        <form class="toolbar" on:submit=save>
            <label for="document-tags">"Tags"</label>
            <input id="document-tags" type="text" placeholder="policy, 2026" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <button id="save-tags" class="button" type="submit">"Save tags"</button>
        </form>
    }
}

/// One chunk: where it is from, its text, and (for who may change the corpus) Edit and Turn off.
#[component]
fn ChunkItem(chunk: ejento_api::DocumentChunk, refresh: RwSignal<u32>, can_write: Signal<bool>) -> impl IntoView {
    let toasts = use_toasts();
    let (document, id, enabled) = (chunk.document_id, chunk.id, chunk.is_enabled);
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(chunk.text.clone());
    let save = move || {
        let body = ejento_api::ChunkUpdate {
            text: Some(draft.get_untracked()),
            is_enabled: None,
        };
        editing.set(false);
        toasts.act(
            api::documents::update_chunk(document, id, body),
            "Chunk saved.".into(),
            refresh,
        );
    };
    let toggle = move |_| {
        let body = ejento_api::ChunkUpdate {
            text: None,
            is_enabled: Some(!enabled),
        };
        let done = if enabled {
            "Chunk turned off: it is no longer searched."
        } else {
            "Chunk turned on."
        };
        toasts.act(api::documents::update_chunk(document, id, body), done.into(), refresh);
    };
    view! {
        <li class="chunk-item" class:disabled=!enabled data-chunk=id.to_string()>
            <div class="chunk-head">
                <p class="muted small">{format!("#{}", chunk.ordinal + 1)}
                    {chunk.page.map(|p| format!(" · page {p}")).unwrap_or_default()}
                    {chunk.section.clone().map(|s| format!(" · {s}")).unwrap_or_default()}
                    {(!enabled).then_some(" · off")}
                    {chunk.edited_on.as_ref().map(|_| " · edited")}</p>
                <Show when=move || can_write.get()>
                    <div class="toolbar">
                        <button class="button small chunk-edit" type="button" on:click=move |_| editing.set(true)>"Edit"</button>
                        <button class="button small chunk-toggle" type="button" on:click=toggle>{if enabled { "Turn off" } else { "Turn on" }}</button>
                    </div>
                </Show>
            </div>
            {move || if editing.get() {
                view! {
                    <form class="chunk-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                        <label class="sr-only" for=format!("chunk-{id}")>"Chunk text"</label>
                        <textarea id=format!("chunk-{id}") rows="6" prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { editing.set(false) }></textarea>
                        <div class="toolbar">
                            <button class="button primary small" type="submit">"Save chunk"</button>
                            <button class="button small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! { <p class="chunk-text">{chunk.text.clone()}</p> }.into_any()
            }}
        </li>
    }
}
