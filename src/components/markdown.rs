//! A small, safe Markdown renderer for answers: headings, paragraphs, lists, quotes, code
//! blocks with a copy button, and inline code, bold and `[n]` citations. It builds elements
//! and text nodes only — raw HTML in an answer is shown as text, never interpreted — and
//! blocks are keyed by their content, so while an answer streams only the last block changes.

use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    List { ordered: bool, items: Vec<String> },
    Quote(String),
    Code { lang: String, code: String },
}

/// Splits Markdown text into blocks (an unclosed code fence runs to the end: still streaming).
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines().peekable();
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            out.push(Block::Paragraph(paragraph.join("\n")));
            paragraph.clear();
        }
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            flush(&mut paragraph, &mut out);
            let mut code = Vec::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                code.push(l);
            }
            out.push(Block::Code {
                lang: lang.trim().to_string(),
                code: code.join("\n"),
            });
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if let Some((level, rest)) = heading(trimmed) {
            flush(&mut paragraph, &mut out);
            out.push(Block::Heading(level, rest.to_string()));
        } else if let Some(item) = list_item(trimmed) {
            flush(&mut paragraph, &mut out);
            let ordered = item.0;
            let mut items = vec![item.1.to_string()];
            while let Some(next) = lines.peek().and_then(|l| list_item(l.trim_start())) {
                if next.0 != ordered {
                    break;
                }
                items.push(next.1.to_string());
                lines.next();
            }
            out.push(Block::List { ordered, items });
        } else if let Some(rest) = trimmed.strip_prefix('>') {
            flush(&mut paragraph, &mut out);
            out.push(Block::Quote(rest.trim_start().to_string()));
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| (level as u8, rest.trim()))
}

/// `(ordered, text)` of a list item line.
fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest));
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits < 4 {
        return line[digits..].strip_prefix(". ").map(|rest| (true, rest));
    }
    None
}

/// Inline pieces: text, `code`, **bold**, and `[n]` citations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Bold(String),
    Cite(i64),
}

pub fn inline(text: &str) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut rest = text;
    let push_text = |out: &mut Vec<Inline>, t: &str| {
        if t.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(Inline::Text(prev)) => prev.push_str(t),
            _ => out.push(Inline::Text(t.to_string())),
        }
    };
    while !rest.is_empty() {
        let next = rest.find(['`', '*', '[']).unwrap_or(rest.len());
        push_text(&mut out, &rest[..next]);
        rest = &rest[next..];
        if rest.is_empty() {
            break;
        }
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            out.push(Inline::Code(after[..end].to_string()));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            out.push(Inline::Bold(after[..end].to_string()));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(end) = after.find(']')
            && (1..=3).contains(&end)
            && let Ok(n) = after[..end].parse::<i64>()
        {
            out.push(Inline::Cite(n));
            rest = &after[end + 1..];
        } else {
            let ch = rest.chars().next().expect("not empty").len_utf8();
            push_text(&mut out, &rest[..ch]);
            rest = &rest[ch..];
        }
    }
    out
}

fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

fn inline_view(text: &str, on_cite: Callback<i64>) -> impl IntoView + use<> {
    inline(text)
        .into_iter()
        .map(|piece| match piece {
            Inline::Text(t) => view! { <span>{t}</span> }.into_any(),
            Inline::Code(c) => view! { <code>{c}</code> }.into_any(),
            Inline::Bold(b) => view! { <strong>{b}</strong> }.into_any(),
            Inline::Cite(n) => view! {
                <button class="cite" type="button" aria-label=format!("Source {n}") on:click=move |_| on_cite.run(n)>{n}</button>
            }
            .into_any(),
        })
        .collect_view()
}

fn block_view(block: Block, on_cite: Callback<i64>) -> AnyView {
    match block {
        Block::Heading(level, text) => match level {
            1 | 2 => view! { <h3>{inline_view(&text, on_cite)}</h3> }.into_any(),
            _ => view! { <h4>{inline_view(&text, on_cite)}</h4> }.into_any(),
        },
        Block::Paragraph(text) => view! { <p>{inline_view(&text, on_cite)}</p> }.into_any(),
        Block::Quote(text) => view! { <blockquote>{inline_view(&text, on_cite)}</blockquote> }.into_any(),
        Block::List { ordered, items } => {
            let items = items
                .into_iter()
                .map(|i| view! { <li>{inline_view(&i, on_cite)}</li> })
                .collect_view();
            if ordered {
                view! { <ol>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Code { lang, code } => {
            let copy = code.clone();
            view! {
                <div class="code-block">
                    <div class="code-head">
                        <span class="muted small">{if lang.is_empty() { "code".to_string() } else { lang }}</span>
                        <button class="icon-button small" type="button" on:click=move |_| copy_to_clipboard(&copy)>"Copy"</button>
                    </div>
                    <pre><code>{code}</code></pre>
                </div>
            }
            .into_any()
        }
    }
}

/// Renders Markdown text that may still be growing.
#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>, on_cite: Callback<i64>) -> impl IntoView {
    let each = move || blocks(&text.get()).into_iter().enumerate().collect::<Vec<_>>();
    let key = |(i, b): &(usize, Block)| (*i, b.clone());
    let children = move |(_, b): (usize, Block)| block_view(b, on_cite);
    view! { <For each=each key=key children=children/> }
}
