//! Toasts: short messages in a live region, dismissed after a few seconds or by a click.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub message: String,
}

/// How many toasts show at once.
const MAX_VISIBLE: usize = 3;

#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

pub fn provide_toasts() {
    provide_context(Toasts {
        list: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    });
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

impl Toasts {
    pub fn push(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|l| {
            l.push(Toast {
                id,
                kind,
                message: message.into(),
            });
            // A burst of actions must not bury the page: keep the newest few.
            if l.len() > MAX_VISIBLE {
                l.remove(0);
            }
        });
        let list = self.list;
        gloo_timers::callback::Timeout::new(6_000, move || {
            list.try_update(|l| l.retain(|t| t.id != id));
        })
        .forget();
    }

    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, message);
    }

    pub fn success(&self, message: impl Into<String>) {
        self.push(ToastKind::Success, message);
    }

    /// Runs a change in the background, says how it went, then bumps `refresh` so the views
    /// that show the changed thing load it again (also after a refusal: they show what is).
    pub fn act<T: 'static>(
        self,
        change: impl std::future::Future<Output = Result<T, crate::api::ApiError>> + 'static,
        done: String,
        refresh: RwSignal<u32>,
    ) {
        leptos::task::spawn_local(async move {
            match change.await {
                Ok(_) => self.success(done),
                Err(e) => self.error(e.message),
            }
            refresh.update(|n| *n += 1);
        });
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div class=move || {
                    match toast.kind {
                        ToastKind::Success => "toast toast-success",
                        ToastKind::Error => "toast toast-error",
                    }
                }>
                    <span class="toast-message">{toast.message.clone()}</span>
                    <button
                        type="button"
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
