//! Following a live answer with EventSource: the one follower for agent and workflow answers.
//! It owns what both need to get right the same way: the stream replays from its first event,
//! tokens are gathered and painted once per animation frame (a fast stream costs one render per
//! frame, not per token), what still waits for a frame goes in before `end`, an `error` the
//! server sends is shown unless it only asks to reconnect (`retrying`: EventSource reconnects
//! by itself with `Last-Event-ID` and resumes), and a stream the browser gave up on before its
//! end (the link expired while it was away) is followed again with a fresh link. A page says
//! only what its answer does with each event ([`Answer`]).

use std::{cell::RefCell, future::Future, rc::Rc};

use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::{JsCast, closure::Closure};

/// What a page does with the events of one answer. Handles only: cheap to copy.
pub trait Answer: Copy + 'static {
    /// Token text gathered between two painted frames.
    type Batch: Default + 'static;

    /// The stream replays from its first event: forget what was shown, so nothing shows twice.
    fn restart(self);

    /// A `status` event.
    fn status(self, _data: &Value) {}

    /// Gathers a `token` event's text; false when this answer does not show that token.
    fn gather(self, data: &Value, batch: &mut Self::Batch) -> bool;

    /// Shows what was gathered.
    fn paint(self, batch: Self::Batch);

    /// The `end` event, after everything gathered was painted.
    fn end(self, data: &Value);

    /// An error the server reported.
    fn fail(self, message: String);

    /// Whether the answer has ended (a stream that closes then needs nothing more).
    fn ended(self) -> bool;

    /// A fresh events link for this answer.
    fn renew(self) -> impl Future<Output = Option<String>> + 'static;
}

/// An open EventSource and the callbacks it calls (dropped together).
pub struct Follow {
    source: web_sys::EventSource,
    _callbacks: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Follow {
    pub fn close(&self) {
        self.source.close();
    }
}

/// The streams a page follows; closing the page closes them.
pub type Follows = StoredValue<Vec<Follow>, LocalStorage>;

struct Gathered<B> {
    batch: B,
    /// A frame is already asked for.
    scheduled: bool,
}

fn event_json(e: &web_sys::Event) -> Option<Value> {
    let data = e.dyn_ref::<web_sys::MessageEvent>()?.data().as_string()?;
    serde_json::from_str(&data).ok()
}

/// Follows `answer` at `url` from its first event to its `end`.
pub fn follow<A: Answer>(answer: A, url: &str, follows: Follows) {
    let Ok(source) = web_sys::EventSource::new(url) else {
        answer.fail("The answer could not be followed.".into());
        return;
    };
    answer.restart();
    let gathered = Rc::new(RefCell::new(Gathered {
        batch: A::Batch::default(),
        scheduled: false,
    }));
    let on_status = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Some(v) = event_json(&e) {
            answer.status(&v);
        }
    });
    let pending = gathered.clone();
    let on_token = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let Some(v) = event_json(&e) else { return };
        let mut g = pending.borrow_mut();
        if !answer.gather(&v, &mut g.batch) || g.scheduled {
            return;
        }
        g.scheduled = true;
        let pending = pending.clone();
        request_animation_frame(move || {
            let batch = {
                let mut g = pending.borrow_mut();
                g.scheduled = false;
                std::mem::take(&mut g.batch)
            };
            answer.paint(batch);
        });
    });
    let closer = source.clone();
    let on_end = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        closer.close();
        let batch = std::mem::take(&mut gathered.borrow_mut().batch);
        answer.paint(batch);
        if let Some(v) = event_json(&e) {
            answer.end(&v);
        }
    });
    let watched = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        // The server's own `error` event carries a message; a dropped connection does not, and
        // EventSource reconnects by itself, sending Last-Event-ID.
        if let Some(v) = event_json(&e) {
            // The server lost its database for a moment and asked to reconnect: nothing to show.
            if v["retrying"] != true {
                answer.fail(v["message"].as_str().unwrap_or("Something went wrong.").to_string());
            }
        } else if watched.ready_state() == web_sys::EventSource::CLOSED && !answer.ended() {
            // It gave up: the link expired before it could reconnect (links live two minutes).
            leptos::task::spawn_local(async move {
                if let Some(url) = answer.renew().await {
                    follow(answer, &url, follows);
                }
            });
        }
    });
    for (name, callback) in [
        ("status", &on_status),
        ("token", &on_token),
        ("end", &on_end),
        ("error", &on_error),
    ] {
        let _ = source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    }
    follows.update_value(|f| {
        f.push(Follow {
            source,
            _callbacks: vec![on_status, on_token, on_end, on_error],
        })
    });
}
