//! Conversation starters drawn from a document's own content: its headings first, then the
//! terms it uses most. Deterministic: the same chunks always give the same questions.

use std::collections::BTreeMap;

const MAX: usize = 5;

/// Words too common to make a question about.
const STOPWORDS: &[&str] = &[
    "about", "after", "again", "also", "among", "been", "before", "being", "between", "both", "could", "does", "doing",
    "during", "each", "from", "further", "have", "having", "here", "into", "itself", "just", "like", "made", "make",
    "many", "more", "most", "much", "must", "only", "other", "over", "same", "should", "some", "such", "than", "that",
    "their", "them", "then", "there", "these", "they", "this", "those", "through", "under", "until", "very", "were",
    "what", "when", "where", "which", "while", "with", "would", "your", "will", "shall", "every", "because", "within",
    "without", "upon", "page", "true", "false", "null",
];

/// `sections` are headings in document order; `texts` the chunk texts.
pub fn generate<'a>(
    sections: impl IntoIterator<Item = &'a str>,
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for heading in sections {
        let h = heading.trim().trim_end_matches([':', '.']);
        if h.chars().count() < 3 || h.chars().count() > 80 {
            continue;
        }
        let q = format!("What does the section “{h}” cover?");
        if !out.contains(&q) {
            out.push(q);
        }
        if out.len() >= 3 {
            break;
        }
    }
    // Term frequency by stem, so "package" and "packages" are one term (said as its most
    // frequent form); ties broken alphabetically (BTreeMap order) for determinism.
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for text in texts {
        for word in text.split(|c: char| !c.is_alphanumeric() && c != '-') {
            let w = word.trim_matches('-').to_lowercase();
            if w.chars().count() >= 5 && !w.chars().all(|c| c.is_numeric()) && !STOPWORDS.contains(&w.as_str()) {
                *counts.entry(stem(&w)).or_default().entry(w).or_default() += 1;
            }
        }
    }
    // A term a heading already names would ask the same thing twice.
    let covered: Vec<String> = out
        .iter()
        .flat_map(|q| {
            q.split(|c: char| !c.is_alphanumeric())
                .map(|w| stem(&w.to_lowercase()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut terms: Vec<(String, usize)> = counts
        .into_iter()
        .filter(|(stem, _)| !covered.contains(stem))
        .map(|(_, forms)| {
            let total = forms.values().sum();
            let said = forms
                .into_iter()
                .fold(
                    (String::new(), 0),
                    |best, (form, n)| if n > best.1 { (form, n) } else { best },
                )
                .0;
            (said, total)
        })
        .collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (term, _) in terms {
        if out.len() >= MAX {
            break;
        }
        out.push(format!("What is said about {term}?"));
    }
    out
}

/// A word without its plural or verb ending: "packages" → "package", "policies" → "policy",
/// "boxes" → "box", "tracking" and "tracked" → "track" (not "class" → "clas"). Only a key for
/// telling near-duplicates apart, never shown.
fn stem(word: &str) -> String {
    for ending in ["ing", "ed"] {
        if let Some(base) = word.strip_suffix(ending).filter(|b| b.chars().count() >= 4) {
            return base.to_string();
        }
    }
    if let Some(base) = word.strip_suffix("ies").filter(|b| b.chars().count() >= 2) {
        return format!("{base}y");
    }
    for ending in ["sses", "xes", "ches", "shes"] {
        if let Some(base) = word.strip_suffix(ending) {
            return format!("{base}{}", &ending[..ending.len() - 2]);
        }
    }
    match word.strip_suffix('s') {
        Some(base) if !base.ends_with('s') && !base.ends_with('u') && base.chars().count() >= 3 => base.to_string(),
        _ => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_then_frequent_terms_in_a_stable_order() {
        let a = generate(
            ["Refund policy", "Shipping"],
            ["Refunds are issued within thirty days. Refunds need receipts."],
        );
        assert_eq!(a[0], "What does the section “Refund policy” cover?");
        assert_eq!(a[1], "What does the section “Shipping” cover?");
        // The first heading is about refunds already.
        assert!(a.len() > 2 && !a[2].to_lowercase().contains("refund"), "{a:?}");
        assert_eq!(
            a,
            generate(
                ["Refund policy", "Shipping"],
                ["Refunds are issued within thirty days. Refunds need receipts."]
            )
        );
    }

    #[test]
    fn no_two_starters_ask_about_the_same_word() {
        let text = "The package leaves today. Packages are tracked. Each package has a label. \
                    Policies differ; the policy for boxes and a box is the same. Tracking happens hourly.";
        let starters = generate([], [text]);
        assert_eq!(starters[0], "What is said about package?");
        let stems: Vec<String> = starters
            .iter()
            .map(|q| stem(q.trim_start_matches("What is said about ").trim_end_matches('?')))
            .collect();
        let mut unique = stems.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(stems.len(), unique.len(), "{starters:?}");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("boxes"), "box");
        assert_eq!(stem("class"), "class");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("tracking"), stem("tracked"));
    }
}
