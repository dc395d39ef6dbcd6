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
    // Term frequency, ties broken alphabetically (BTreeMap order) for determinism.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for text in texts {
        for word in text.split(|c: char| !c.is_alphanumeric() && c != '-') {
            let w = word.trim_matches('-').to_lowercase();
            if w.chars().count() >= 5 && !w.chars().all(|c| c.is_numeric()) && !STOPWORDS.contains(&w.as_str()) {
                *counts.entry(w).or_default() += 1;
            }
        }
    }
    let mut terms: Vec<(String, usize)> = counts.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (term, _) in terms {
        if out.len() >= MAX {
            break;
        }
        out.push(format!("What is said about {term}?"));
    }
    out
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
        assert_eq!(a[2], "What is said about refunds?");
        assert_eq!(
            a,
            generate(
                ["Refund policy", "Shipping"],
                ["Refunds are issued within thirty days. Refunds need receipts."]
            )
        );
    }
}
