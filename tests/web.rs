//! Dashboard logic and components in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use ejento_dashboard::{session, theme::Theme};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn only_same_site_paths_are_returned_to() {
    assert_eq!(session::safe_next(Some("/agents?x=1".into())), "/agents?x=1");
    assert_eq!(session::safe_next(Some("//evil.example".into())), "/");
    assert_eq!(session::safe_next(Some("https://evil.example".into())), "/");
    assert_eq!(session::safe_next(Some("/\\evil.example".into())), "/");
    assert_eq!(session::safe_next(None), "/");
}

#[wasm_bindgen_test]
fn tokens_are_refreshed_a_minute_before_they_expire() {
    assert!(!session::needs_refresh(Some(1_000_000.0), 800_000.0));
    assert!(session::needs_refresh(Some(1_000_000.0), 950_000.0));
    assert!(session::needs_refresh(None, 0.0));
}

#[wasm_bindgen_test]
fn the_access_token_lives_in_memory_and_storage_holds_no_token() {
    session::clear();
    assert!(!session::is_signed_in());
    let storage = session::storage().unwrap();
    storage
        .set_item("ejento.access_token", "left-by-an-older-version")
        .unwrap();
    session::store_tokens(&ejento_api::TokenPair {
        access_token: String::new(),
        ejento_access_token: "access-token-kept-in-memory".into(),
        token_type: "bearer".into(),
        expires_in: 900,
    });
    assert!(session::is_signed_in());
    assert_eq!(session::access_token().as_deref(), Some("access-token-kept-in-memory"));
    for i in 0..storage.length().unwrap() {
        let key = storage.key(i).unwrap().unwrap();
        let value = storage.get_item(&key).unwrap().unwrap_or_default();
        assert!(!value.contains("token"), "{key} = {value}");
    }
    session::clear();
    assert!(!session::is_signed_in());
    assert_eq!(session::access_token(), None);
}

#[wasm_bindgen_test]
fn themes_toggle_and_persist_on_the_document() {
    assert_eq!(Theme::Light.toggled(), Theme::Dark);
    assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
    assert_eq!(Theme::parse("purple"), None);
    ejento_dashboard::theme::choose(Theme::Dark);
    let root = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .document_element()
        .unwrap();
    assert_eq!(root.get_attribute("data-theme").as_deref(), Some("dark"));
    assert_eq!(ejento_dashboard::theme::current(), Theme::Dark);
    ejento_dashboard::theme::choose(Theme::Light);
    assert_eq!(root.get_attribute("data-theme").as_deref(), Some("light"));
}

#[wasm_bindgen_test]
fn answer_diffs_show_removed_and_added_words_as_text_only() {
    use ejento_api::DiffPiece;
    use leptos::prelude::*;
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    let piece = |kind: &str, text: &str| DiffPiece {
        kind: kind.into(),
        text: text.into(),
    };
    let pieces = vec![
        piece("same", "Refunds take "),
        piece("removed", "14 days"),
        piece("added", "<img src=x onerror=alert(1)>"),
        piece("same", " [1]."),
    ];
    let _mounted = leptos::mount::mount_to(host.clone(), move || {
        view! { <ejento_dashboard::pages::evaluation_runs::Diff pieces=pieces/> }
    });
    assert_eq!(
        host.query_selector("del").unwrap().unwrap().text_content().unwrap(),
        "14 days"
    );
    let added = host.query_selector("ins").unwrap().unwrap();
    assert_eq!(added.text_content().unwrap(), "<img src=x onerror=alert(1)>");
    assert!(
        host.query_selector("img").unwrap().is_none(),
        "answer text is never HTML"
    );
    assert_eq!(
        host.text_content().unwrap(),
        "Refunds take 14 days<img src=x onerror=alert(1)> [1]."
    );
}

#[wasm_bindgen_test]
fn at_most_three_toasts_show_at_once() {
    use leptos::prelude::*;
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    let _mounted = leptos::mount::mount_to(host.clone(), || {
        ejento_dashboard::components::toast::provide_toasts();
        let toasts = ejento_dashboard::components::toast::use_toasts();
        for i in 0..5 {
            toasts.success(format!("message {i}"));
        }
        view! { <ejento_dashboard::components::toast::ToastHost/> }
    });
    let shown = host.query_selector_all(".toast").unwrap().length();
    assert_eq!(shown, 3);
    let text = host.text_content().unwrap_or_default();
    assert!(text.contains("message 4") && !text.contains("message 0"), "{text}");
}

#[wasm_bindgen_test]
fn retrieval_matches_are_marked_without_interpreting_the_text() {
    use ejento_dashboard::pages::documents::highlight;
    let pieces = highlight("Refunds <b>paid</b> in refund days", &["refund".into()]);
    assert_eq!(
        pieces,
        vec![
            ("Refund".to_string(), true),
            ("s <b>paid</b> in ".to_string(), false),
            ("refund".to_string(), true),
            (" days".to_string(), false),
        ]
    );
    // Words are marked from their start, never inside another word ("on" in "months").
    let pieces = highlight("refunded in months", &["refund".into(), "on".into()]);
    assert_eq!(
        pieces,
        vec![("refund".to_string(), true), ("ed in months".to_string(), false)]
    );
    // Non-ASCII text keeps its characters whole.
    let pieces = highlight("Café crème", &["cr".into()]);
    assert_eq!(pieces.concat_text(), "Café crème");
}

trait ConcatText {
    fn concat_text(&self) -> String;
}

impl ConcatText for Vec<(String, bool)> {
    fn concat_text(&self) -> String {
        self.iter().map(|(p, _)| p.as_str()).collect()
    }
}

#[wasm_bindgen_test]
fn sizes_read_like_a_person_would_say_them() {
    use ejento_dashboard::pages::documents::human_size;
    assert_eq!(human_size(512.0), "512 B");
    assert_eq!(human_size(2048.0), "2 KB");
    assert_eq!(human_size(5.5 * 1024.0 * 1024.0), "5.5 MB");
}

#[wasm_bindgen_test]
fn answers_are_markdown_blocks_with_citations_and_html_stays_text() {
    use ejento_dashboard::components::markdown::{Block, Inline, blocks, inline};
    let text = "## Refunds\n\nThey take **10 days** [1].\n\n- first [2]\n- second\n\n```sh\nrm -rf <b>\n```\n<img src=x onerror=alert(1)>";
    assert_eq!(
        blocks(text),
        vec![
            Block::Heading(2, "Refunds".into()),
            Block::Paragraph("They take **10 days** [1].".into()),
            Block::List {
                ordered: false,
                items: vec!["first [2]".into(), "second".into()]
            },
            Block::Code {
                lang: "sh".into(),
                code: "rm -rf <b>".into()
            },
            Block::Paragraph("<img src=x onerror=alert(1)>".into()),
        ]
    );
    assert_eq!(
        inline("They take **10 days** [1] and `x < y` [x] [1234]."),
        vec![
            Inline::Text("They take ".into()),
            Inline::Bold("10 days".into()),
            Inline::Text(" ".into()),
            Inline::Cite(1),
            Inline::Text(" and ".into()),
            Inline::Code("x < y".into()),
            Inline::Text(" [x] [1234].".into()),
        ]
    );
    // A code fence still streaming runs to the end.
    assert_eq!(
        blocks("```\nlet a"),
        vec![Block::Code {
            lang: String::new(),
            code: "let a".into()
        }]
    );
}

#[wasm_bindgen_test]
fn a_thread_window_covers_the_viewport_and_spacers_keep_the_rest() {
    use ejento_dashboard::components::window::{OVERSCAN, spacers, visible_range};
    let heights = vec![100.0; 1000];
    // At the top: the first screen and the overscan below it, nothing more.
    let (start, end) = visible_range(&heights, 0.0, 0.0, 800.0);
    assert_eq!(start, 0);
    assert_eq!(end, ((800.0 + OVERSCAN) / 100.0) as usize + 1);
    // In the middle: the overscan on both sides.
    let (start, end) = visible_range(&heights, 0.0, 50_000.0, 800.0);
    assert_eq!(start, ((50_000.0 - OVERSCAN) / 100.0) as usize - 1);
    assert!(end - start < 40, "{start}..{end}");
    let (above, below) = spacers(&heights, (start, end));
    assert_eq!(above + below + (end - start) as f64 * 100.0, 100_000.0);
    // Scrolled past the end (heights were estimates): the last item still shows.
    assert_eq!(visible_range(&heights, 0.0, 1e9, 800.0), (999, 1000));
    assert_eq!(visible_range(&[], 0.0, 0.0, 800.0), (0, 0));
}

#[wasm_bindgen_test]
fn analytics_numbers_read_like_money_and_counts() {
    use ejento_dashboard::pages::analytics::{thousands, usd};
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(-1_000), "-1,000");
    assert_eq!(usd("1234.5"), "$1,234.50");
    assert_eq!(usd("0.0026"), "$0.0026");
    assert_eq!(usd("0"), "$0.00");
}

#[wasm_bindgen_test]
fn csv_exports_quote_what_needs_quoting_and_defuse_formulas() {
    use ejento_dashboard::components::download::csv;
    let rows = vec![
        vec!["name".to_string(), "note".to_string()],
        vec!["Smith, Ada".to_string(), "said \"hi\"".to_string()],
        vec!["=HYPERLINK(1)".to_string(), "-12.5".to_string()],
    ];
    assert_eq!(
        csv(&rows),
        "name,note\r\n\"Smith, Ada\",\"said \"\"hi\"\"\"\r\n'=HYPERLINK(1),-12.5\r\n"
    );
}

/// Local noon (or the hour given) of a calendar day, as the dashboard's clock would read it.
fn local(year: u32, month: i32, day: i32, hour: i32, minute: i32) -> f64 {
    js_sys::Date::new_with_year_month_day_hr_min(year, month - 1, day, hour, minute).get_time()
}

#[wasm_bindgen_test]
fn days_back_are_calendar_days_on_any_date() {
    use ejento_dashboard::clock::days_before;
    // Further back than today's day of the month (the look-back that once gave "0000-01-00").
    assert_eq!(days_before(local(2026, 12, 4, 12, 0), 29), "2026-11-05");
    assert_eq!(days_before(local(2026, 12, 4, 12, 0), 364), "2025-12-05");
    // Month ends and leap days.
    assert_eq!(days_before(local(2026, 3, 31, 12, 0), 30), "2026-03-01");
    assert_eq!(days_before(local(2024, 3, 1, 0, 5), 1), "2024-02-29");
    assert_eq!(days_before(local(2024, 2, 29, 23, 55), 29), "2024-01-31");
    assert_eq!(days_before(local(2025, 3, 1, 12, 0), 1), "2025-02-28");
    // New Year.
    assert_eq!(days_before(local(2027, 1, 1, 0, 30), 1), "2026-12-31");
    assert_eq!(days_before(local(2027, 1, 1, 0, 30), 0), "2027-01-01");
    // Around a DST change (make test runs this in America/New_York: 8 March 2026 has 23 hours).
    assert_eq!(days_before(local(2026, 3, 8, 23, 30), 7), "2026-03-01");
    assert_eq!(days_before(local(2026, 3, 9, 0, 30), 1), "2026-03-08");
    assert_eq!(days_before(local(2026, 11, 1, 23, 30), 1), "2026-10-31");
}

/// An API timestamp (UTC) of a local time.
fn stamp(ms: f64) -> String {
    String::from(js_sys::Date::new(&ms.into()).to_iso_string())
}

#[wasm_bindgen_test]
fn chat_history_groups_by_calendar_day_on_any_date() {
    use ejento_dashboard::clock::history_group;
    let group = |then: f64, now: f64| history_group(&stamp(then), now);
    // Minutes apart across midnight are different days; a leap day is a day.
    let march_first = local(2024, 3, 1, 0, 10);
    assert_eq!(group(local(2024, 3, 1, 0, 1), march_first), "Today");
    assert_eq!(group(local(2024, 2, 29, 23, 50), march_first), "Yesterday");
    assert_eq!(group(local(2024, 2, 23, 12, 0), march_first), "Previous 7 days");
    assert_eq!(group(local(2024, 1, 31, 12, 0), march_first), "Previous 30 days");
    assert_eq!(group(local(2024, 1, 30, 12, 0), march_first), "January 2024");
    // Month ends and New Year.
    assert_eq!(group(local(2026, 11, 30, 23, 0), local(2026, 12, 1, 8, 0)), "Yesterday");
    assert_eq!(group(local(2026, 12, 31, 23, 59), local(2027, 1, 1, 0, 0)), "Yesterday");
    assert_eq!(
        group(local(2025, 12, 1, 9, 0), local(2027, 1, 1, 0, 0)),
        "December 2025"
    );
    // Around a DST change (23 hours on 8 March 2026 in America/New_York, where make test runs).
    assert_eq!(group(local(2026, 3, 7, 23, 30), local(2026, 3, 8, 23, 30)), "Yesterday");
    assert_eq!(group(local(2026, 3, 8, 0, 30), local(2026, 3, 8, 23, 30)), "Today");
    assert_eq!(
        group(local(2026, 10, 31, 23, 30), local(2026, 11, 1, 23, 30)),
        "Yesterday"
    );
    // A clock a little behind the server's: still today.
    assert_eq!(group(local(2026, 12, 4, 12, 1), local(2026, 12, 4, 12, 0)), "Today");
}

#[wasm_bindgen_test]
fn a_history_keeps_its_order_under_date_headings() {
    use ejento_dashboard::pages::chats::grouped;
    let now = local(2026, 12, 4, 18, 0);
    let conversation = |id: i64, at: f64| ejento_api::Conversation {
        thread_id: id,
        title: format!("Chat {id}"),
        agent_id: 1,
        agent_name: "Billing".into(),
        last_question: None,
        modified_on: stamp(at),
    };
    let groups = grouped(
        vec![
            conversation(4, local(2026, 12, 4, 17, 0)),
            conversation(3, local(2026, 12, 4, 9, 0)),
            conversation(2, local(2026, 12, 3, 22, 0)),
            conversation(1, local(2026, 10, 2, 12, 0)),
        ],
        now,
    );
    let shape: Vec<(String, Vec<i64>)> = groups
        .into_iter()
        .map(|(heading, list)| (heading, list.iter().map(|c| c.thread_id).collect()))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("Today".to_string(), vec![4, 3]),
            ("Yesterday".to_string(), vec![2]),
            ("October 2026".to_string(), vec![1]),
        ]
    );
}

#[wasm_bindgen_test]
fn times_read_as_people_say_them() {
    use ejento_dashboard::clock::{local_minute, relative_to};
    let now = js_sys::Date::parse("2026-12-04T18:00:00Z");
    assert_eq!(relative_to("2026-12-04T17:59:37.255819Z", now), "just now");
    assert_eq!(relative_to("2026-12-04T17:55:00Z", now), "5 min ago");
    assert_eq!(relative_to("2026-12-04T15:00:00Z", now), "3 h ago");
    assert_eq!(relative_to("2026-11-30T18:00:00Z", now), "4 days ago");
    assert!(relative_to("2025-06-01T12:00:00Z", now).ends_with("2025"));
    assert_eq!(relative_to("not a time", now), "not a time");
    // Local minutes, never raw ISO text.
    let shown = local_minute("2026-12-04T17:59:37.255819Z");
    assert_eq!(shown.len(), 16, "{shown}");
    assert!(!shown.contains('T') && !shown.contains('Z'), "{shown}");
}
