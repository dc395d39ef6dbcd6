//! Handing text to the browser as a file download (CSV exports).

use wasm_bindgen::JsCast;

/// Saves `text` as `file_name`; false when the browser refused.
pub fn save_text(file_name: &str, mime: &str, text: &str) -> bool {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return false;
    };
    let Ok(href) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return false;
    };
    let saved = if let Some(doc) = web_sys::window().and_then(|w| w.document())
        && let Ok(a) = doc.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&href);
        a.set_download(file_name);
        a.click();
        true
    } else {
        false
    };
    let _ = web_sys::Url::revoke_object_url(&href);
    saved
}

/// Rows as CSV (RFC 4180): fields with commas, quotes or line breaks are quoted; a field that
/// a spreadsheet would run as a formula is prefixed with `'`.
pub fn csv(rows: &[Vec<String>]) -> String {
    let field = |f: &String| {
        let f = if f.starts_with(['=', '+', '-', '@']) && f.parse::<f64>().is_err() {
            format!("'{f}")
        } else {
            f.clone()
        };
        if f.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f
        }
    };
    let mut out = String::new();
    for row in rows {
        out.push_str(&row.iter().map(field).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
