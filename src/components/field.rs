//! A labelled form field with its error message, wired for screen readers.

use leptos::prelude::*;

#[component]
pub fn Field(
    /// The input's id (also what tests and the label point at).
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// The message to show under the field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = move || error.get().map(|_| format!("{id}-error"));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <Show when=move || error.get().is_some()>
                <p class="field-error" id=error_id.clone()>
                    {move || error.get()}
                </p>
            </Show>
        </div>
    }
}

/// Per-field messages of a form, from local checks or the server's 422.
#[derive(Clone, Copy)]
pub struct FormErrors(RwSignal<std::collections::BTreeMap<String, String>>);

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

impl FormErrors {
    pub fn new() -> Self {
        Self(RwSignal::new(Default::default()))
    }

    pub fn clear(&self) {
        self.0.set(Default::default());
    }

    pub fn set(&self, field: &str, message: impl Into<String>) {
        let message = message.into();
        self.0.update(|m| {
            m.insert(field.to_string(), message);
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.with_untracked(|m| m.is_empty())
    }

    /// A signal of one field's message, for [`Field`].
    pub fn of(&self, field: &'static str) -> Signal<Option<String>> {
        let map = self.0;
        Signal::derive(move || map.with(|m| m.get(field).cloned()))
    }

    /// Copies the server's per-field messages (`server_field` → this form's `field`).
    pub fn absorb(&self, error: &crate::api::ApiError, fields: &[(&str, &str)]) {
        for (server_field, field) in fields {
            if let Some(message) = error.field(server_field) {
                self.set(field, message);
            }
        }
    }
}

/// A labelled multi-line field.
#[component]
pub fn TextArea(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <textarea
                id=id
                name=id
                rows=rows
                disabled=move || disabled.get()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
            ></textarea>
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <Show when=move || error.get().is_some()>
                <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
        </div>
    }
}
