//! How what is added next is cut into chunks: size and overlap, checked as typed with the
//! server's own rules, and a preview of the chunks a file, the text or the web page would make
//! (cut by the server exactly as indexing will).

use ejento_api::{ChunkPreview, ChunkSizing, ChunkingUpdate};
use leptos::prelude::*;

use crate::{
    api::{self, documents::Upload},
    components::toast::use_toasts,
    pages::documents::human_size,
};

/// The size and overlap typed, as the server reads them: none when both are empty (the corpus'
/// default), else the sizing or the first problem.
pub fn chosen(size: &str, overlap: &str, default: ChunkSizing) -> Result<Option<ChunkSizing>, String> {
    ChunkSizing::parse(Some(size), Some(overlap), default).map_err(|errors| {
        errors
            .into_iter()
            .map(|(_, message)| message)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[derive(Clone)]
enum PreviewState {
    Idle,
    Cutting(String),
    Ready { name: String, preview: ChunkPreview },
    Failed(String),
}

/// The chunking settings of an upload card. `size` and `overlap` are what was typed (the card
/// reads them when it uploads); `text` and `link` are the card's text and web link fields, which
/// can be previewed too; `add` adds what was previewed.
#[component]
pub fn ChunkingSettings(
    default_sizing: ChunkSizing,
    corpus: i64,
    size: RwSignal<String>,
    overlap: RwSignal<String>,
    text: RwSignal<String>,
    link: RwSignal<String>,
    add: Callback<(String, Upload)>,
) -> impl IntoView {
    let sizing = Memo::new(move |_| chosen(&size.get(), &overlap.get(), default_sizing));
    let state = RwSignal::new(PreviewState::Idle);
    // What was previewed last, to preview again with other sizes or to add.
    let source = StoredValue::new_local(None::<(String, Upload)>);
    // Each preview supersedes the one before: a late answer to an older one is dropped.
    let generation = StoredValue::new(0u32);

    let run = move |name: String, what: Upload| {
        let Ok(chosen) = sizing.get_untracked() else {
            return;
        };
        source.set_value(Some((name.clone(), what.clone())));
        let this = generation.get_value() + 1;
        generation.set_value(this);
        state.set(PreviewState::Cutting(name.clone()));
        leptos::task::spawn_local(async move {
            let result = api::documents::preview(corpus, &what, chosen).await;
            if generation.try_get_value() != Some(this) {
                return;
            }
            state.try_set(match result {
                Ok(preview) => PreviewState::Ready { name, preview },
                Err(e) => PreviewState::Failed(e.message),
            });
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            run(file.name(), Upload::File(file));
        }
        input.set_value("");
    };
    let preview_text = move |_| {
        let body = text.get_untracked();
        if body.trim().is_empty() {
            state.set(PreviewState::Failed("Type or paste some text above first.".into()));
        } else {
            run("the text".into(), Upload::Text(body));
        }
    };
    let preview_link = move |_| {
        let url = link.get_untracked();
        if url.trim().is_empty() {
            state.set(PreviewState::Failed("Paste a link above first.".into()));
        } else {
            run(url.clone(), Upload::Weblink(url));
        }
    };
    let again = move |_| {
        if let Some((name, what)) = source.get_value() {
            run(name, what);
        }
    };
    let add_previewed = move |_| {
        if let Some((name, what)) = source.get_value() {
            add.run((name, what));
            state.set(PreviewState::Idle);
            source.set_value(None);
        }
    };
    let summary = move || match sizing.get() {
        Ok(None) => format!("Chunking: {} (this corpus' default)", default_sizing.describe()),
        Ok(Some(s)) => format!("Chunking: {}", s.describe()),
        Err(_) => "Chunking: check the sizes".to_string(),
    };

    view! {
        <details class="chunking" id="chunking">
            <summary id="chunking-summary">{summary}</summary>
            <p class="muted small">
                "What you add next is cut into chunks of at most this many characters, each repeating the end of the one before (the overlap), so a sentence cut in two is whole in one of them. "
                "Smaller chunks find precise passages; larger ones keep more context. Leave both empty for this corpus' default."
            </p>
            <div class="chunking-fields">
                <SizeFields ids=("chunk-size", "chunk-overlap") error="chunking-error" size overlap default_sizing
                    invalid=Signal::derive(move || sizing.with(Result::is_err))/>
                <button class="button small" type="button" id="chunk-default"
                    disabled=move || size.with(String::is_empty) && overlap.with(String::is_empty)
                    on:click=move |_| { size.set(String::new()); overlap.set(String::new()); }>"Use the default"</button>
            </div>
            <p id="chunking-error" class="error small" role="alert">{move || sizing.get().err()}</p>
            <div class="toolbar">
                <label class="button small">"Preview a file…"
                    <input id="preview-file" type="file" class="sr-only" on:change=on_pick
                        disabled=move || sizing.with(Result::is_err)/>
                </label>
                <button class="button small" type="button" id="preview-text" on:click=preview_text
                    disabled=move || sizing.with(Result::is_err)>"Preview the text"</button>
                <button class="button small" type="button" id="preview-link" on:click=preview_link
                    disabled=move || sizing.with(Result::is_err)>"Preview the web page"</button>
            </div>
            <div id="chunk-preview" aria-live="polite">
                {move || match state.get() {
                    PreviewState::Idle => ().into_any(),
                    PreviewState::Cutting(name) => view! {
                        <p class="muted" aria-busy="true">{format!("Cutting {name} into chunks…")}</p>
                    }.into_any(),
                    PreviewState::Failed(message) => view! {
                        <p class="error" role="alert">{message}</p>
                    }.into_any(),
                    PreviewState::Ready { name, preview } => {
                        let stale = sizing.with(|s| {
                            s.as_ref().ok().map(|s| s.unwrap_or(default_sizing)) != Some(preview.sizing)
                        });
                        let shown = preview.chunks.len();
                        let bytes: usize = preview.chunks.iter().map(|c| c.text.len()).sum();
                        view! {
                            <p id="chunk-preview-summary">
                                {format!(
                                    "{name}: {} of at most {} characters, overlap {}",
                                    ejento_api::text::count(preview.chunk_count, "chunk", "chunks"),
                                    preview.sizing.size,
                                    preview.sizing.overlap,
                                )}
                                {(preview.chunk_count > shown as u64).then(|| format!(" · the first {shown} shown ({})", human_size(bytes as f64)))}
                            </p>
                            {stale.then(|| view! {
                                <p class="warning small">"The sizes changed since this preview. "
                                    <button class="link-button" type="button" id="preview-again" on:click=again>"Preview again"</button>
                                </p>
                            })}
                            <ol class="chunk-list preview-chunks">
                                {preview.chunks.into_iter().map(|c| view! {
                                    <li class="preview-chunk">
                                        <p class="muted small">{format!("#{}", c.ordinal + 1)}
                                            {c.page.map(|p| format!(" · page {p}")).unwrap_or_default()}
                                            {c.section.map(|s| format!(" · {s}")).unwrap_or_default()}
                                            {format!(" · {} characters", c.text.chars().count())}</p>
                                        <p class="chunk-text">{c.text}</p>
                                    </li>
                                }).collect_view()}
                            </ol>
                            <div class="toolbar">
                                <button class="button primary small" type="button" id="add-previewed"
                                    disabled=stale on:click=add_previewed>{format!("Add {name} with these settings")}</button>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
        </details>
    }
}

/// Chunk size and overlap, typed as text (a number input would let the browser rewrite them).
/// `ids`: the two inputs'; `error`: the element that says what is wrong.
#[component]
fn SizeFields(
    ids: (&'static str, &'static str),
    error: &'static str,
    size: RwSignal<String>,
    overlap: RwSignal<String>,
    default_sizing: ChunkSizing,
    invalid: Signal<bool>,
) -> impl IntoView {
    let field = move |id: &'static str, label: &'static str, value: RwSignal<String>, placeholder: u32| {
        view! {
            <label>{label}
                <input id=id type="text" inputmode="numeric" autocomplete="off" placeholder=placeholder.to_string()
                    aria-describedby=error aria-invalid=move || invalid.get().to_string()
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        {field(ids.0, "Chunk size (characters)", size, default_sizing.size)}
        {field(ids.1, "Overlap (characters)", overlap, default_sizing.overlap)}
    }
}

/// A document's chunking line, with Change for who may change it: other sizes (or the corpus'
/// default) cut it again; its chunks stay searchable meanwhile.
#[component]
pub fn ChunkingEditor(
    document: i64,
    current: Option<ChunkSizing>,
    /// The corpus' sizes, once known.
    default_sizing: Signal<Option<ChunkSizing>>,
    can_write: Signal<bool>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let editing = RwSignal::new(false);
    let size = RwSignal::new(current.map(|s| s.size.to_string()).unwrap_or_default());
    let overlap = RwSignal::new(current.map(|s| s.overlap.to_string()).unwrap_or_default());
    let fallback = move || default_sizing.get().unwrap_or(ChunkSizing::of_indexing_mode(3));
    let sizing = Memo::new(move |_| chosen(&size.get(), &overlap.get(), fallback()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(chunk_sizing) = sizing.get_untracked() else {
            return;
        };
        editing.set(false);
        leptos::task::spawn_local(async move {
            match api::documents::set_chunking(document, ChunkingUpdate { chunk_sizing }).await {
                Ok(_) => {
                    toasts.success("Queued to be cut again; its chunks stay searchable meanwhile.");
                    on_saved.run(());
                }
                Err(e) => toasts.error(e.message),
            }
        });
    };
    let line = move || match (current, default_sizing.get()) {
        (Some(s), _) => format!("Chosen: {}", s.describe()),
        (None, Some(d)) => format!("The corpus' default: {}", d.describe()),
        (None, None) => "The corpus' default".to_string(),
    };
    view! {
        <span id="document-chunking">{line}</span>
        <Show when=move || can_write.get() && !editing.get()>
            " "<button class="link-button" type="button" id="chunking-change" on:click=move |_| editing.set(true)>"Change"</button>
        </Show>
        <Show when=move || editing.get()>
            <form class="chunking-form" on:submit=save>
                <div class="chunking-fields">
                    <SizeFields ids=("recut-size", "recut-overlap") error="recut-error" size overlap
                        default_sizing=fallback() invalid=Signal::derive(move || sizing.with(Result::is_err))/>
                </div>
                <p id="recut-error" class="error small" role="alert">{move || sizing.get().err()}</p>
                <p class="muted small">"Leave both empty for the corpus' default. Corrected or turned-off chunks are replaced by fresh ones."</p>
                <div class="toolbar">
                    <button class="button primary small" type="submit" id="recut-save"
                        disabled=move || sizing.with(Result::is_err)>"Cut again"</button>
                    <button class="button small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}
