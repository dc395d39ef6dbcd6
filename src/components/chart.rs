//! Charts: charming's options rendered by the vendored ECharts (`public/vendor`, the "common"
//! build: line, bar and pie with tooltips and legends). The script is loaded the first time a
//! chart is shown, so pages without charts never download it. Each chart re-renders only when
//! its own options change, and redraws in the other theme when the theme changes.

use std::cell::RefCell;

use charming::{Chart, WasmRenderer, theme::Theme};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};

const ECHARTS_URL: &str = "/public/vendor/echarts-5.6.0.common.min.js";

thread_local! {
    // Reference-counted, not owned by the component that first asked: it outlives every page.
    static LOADED: RefCell<Option<ArcRwSignal<bool>>> = const { RefCell::new(None) };
}

/// True once ECharts is loaded; starts loading it on the first call.
fn echarts_loaded() -> ArcRwSignal<bool> {
    LOADED.with(|cell| {
        if let Some(s) = cell.borrow().as_ref() {
            return s.clone();
        }
        let loaded = ArcRwSignal::new(false);
        *cell.borrow_mut() = Some(loaded.clone());
        let window = web_sys::window().expect("a window");
        if js_sys::Reflect::has(&window, &"echarts".into()).unwrap_or(false) {
            loaded.set(true);
            return loaded;
        }
        if let Some(doc) = window.document()
            && let Ok(script) = doc.create_element("script")
        {
            let _ = script.set_attribute("src", ECHARTS_URL);
            let set = loaded.clone();
            let onload = Closure::once_into_js(move || set.set(true));
            let _ = script.add_event_listener_with_callback("load", onload.unchecked_ref());
            if let Some(head) = doc.head() {
                let _ = head.append_child(&script);
            }
        }
        loaded
    })
}

/// One chart in a `div#id`; `options` None shows nothing (the caller shows loading or empty).
#[component]
pub fn EChart(
    id: &'static str,
    /// What the chart shows, for screen readers.
    label: String,
    #[prop(into)] options: Signal<Option<Chart>>,
    #[prop(default = 280)] height: u32,
) -> impl IntoView {
    let loaded = echarts_loaded();
    let theme = crate::theme::use_theme();
    // The instance and the theme it was drawn in: ECharts takes a theme only when created.
    let instance = StoredValue::new_local(None::<(charming::Echarts, crate::theme::Theme)>);
    Effect::new(move |_| {
        if !loaded.get() {
            return;
        }
        let theme = theme.get();
        // The card's own background shows through, in either theme (ECharts' dark theme would
        // paint its navy one).
        let Some(chart) = options.get().map(|c| c.background_color("transparent")) else {
            return;
        };
        instance.update_value(|current| match current {
            Some((echarts, drawn_in)) if *drawn_in == theme => WasmRenderer::update(echarts, &chart),
            _ => {
                if let Some((old, _)) = current.take() {
                    dispose(&old);
                }
                let echarts_theme = match theme {
                    crate::theme::Theme::Dark => Theme::Dark,
                    crate::theme::Theme::Light => Theme::Default,
                };
                *current = WasmRenderer::new_opt(None, Some(height))
                    .theme(echarts_theme)
                    .render(id, &chart)
                    .ok()
                    .map(|echarts| (echarts, theme));
            }
        });
    });
    on_cleanup(move || {
        if let Some(Some((echarts, _))) = instance.try_update_value(Option::take) {
            dispose(&echarts);
        }
    });
    view! { <div class="chart" id=id role="img" aria-label=label style=format!("height: {height}px")></div> }
}

/// ECharts keeps listeners on its instance; dispose of it with its element or before redrawing.
fn dispose(echarts: &charming::Echarts) {
    if let Ok(dispose) = js_sys::Reflect::get(echarts, &"dispose".into())
        && let Some(dispose) = dispose.dyn_ref::<js_sys::Function>()
    {
        let _ = dispose.call0(echarts);
    }
}
