//! CSV downloads: every field quoted, and formulas defused for spreadsheets.

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

pub fn field(v: &str) -> String {
    // A leading = + - @ would be read as a formula by spreadsheets.
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// One line of quoted fields.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields.iter().map(|v| field(v.as_ref())).collect::<Vec<_>>().join(",");
    out.push('\n');
    out
}

/// The CSV as a file download named `filename`.
pub fn attachment(filename: &str, body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(super::field("a \"b\"\nc"), "\"a \"\"b\"\"\nc\"");
        assert_eq!(super::field("=SUM(A1)"), "\"'=SUM(A1)\"");
        assert_eq!(super::line(&["1", "x"]), "\"1\",\"x\"\n");
    }
}
