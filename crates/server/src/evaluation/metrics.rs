//! The four computed metrics, local and deterministic. Each compares content words: lower-cased
//! runs of letters and digits, without stop words, with a plural `s` dropped, so "Refunds take
//! 14 days" and "a refund takes 14 days" share `refund`, `14` and `day` (not `take`/`takes`).
//! Scores are in [0, 1].

use std::collections::HashSet;

const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "for",
    "from",
    "had",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "my",
    "no",
    "not",
    "of",
    "on",
    "or",
    "our",
    "so",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "here",
    "say",
    "says",
    "about",
    "what's",
    "documents",
    "document",
];

/// A sentence is supported when at least this share of its content words is in the context.
pub const SUPPORTED: f64 = 0.6;

/// Content words of a text, in order (repeats kept).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .collect()
}

fn set(text: &str) -> HashSet<String> {
    words(text).into_iter().collect()
}

/// Sentences of a text (split after `.`, `!`, `?` or a line break), without citation marks.
pub fn sentences(text: &str) -> Vec<String> {
    let clean: String = strip_citations(text);
    clean
        .split(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !words(s).is_empty())
        .map(str::to_string)
        .collect()
}

fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && after[..close].chars().all(|c| c.is_ascii_digit()) => {
                rest = &after[close + 1..]
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Answer Similarity: F1 of the content-word sets of the answer and the expected answer.
/// `None` when there is no expected answer to compare with.
pub fn answer_similarity(answer: &str, expected: &str) -> Option<f64> {
    let (a, e) = (set(&strip_citations(answer)), set(expected));
    if e.is_empty() {
        return None;
    }
    let common = a.intersection(&e).count() as f64;
    if common == 0.0 {
        return Some(0.0);
    }
    let precision = common / a.len() as f64;
    let recall = common / e.len() as f64;
    Some(2.0 * precision * recall / (precision + recall))
}

/// Answer Relevance: the share of the question's content words the answer uses.
pub fn answer_relevance(question: &str, answer: &str) -> Option<f64> {
    let q = set(question);
    if q.is_empty() {
        return None;
    }
    let a = set(answer);
    Some(q.iter().filter(|w| a.contains(*w)).count() as f64 / q.len() as f64)
}

/// Whether `sentence` is supported by `context` (see [`SUPPORTED`]).
fn supported(sentence: &str, context: &HashSet<String>) -> bool {
    let w = set(sentence);
    !w.is_empty() && w.iter().filter(|x| context.contains(*x)).count() as f64 / w.len() as f64 >= SUPPORTED
}

/// Faithfulness: the share of the answer's sentences supported by the retrieved passages.
pub fn faithfulness(answer: &str, passages: &[String]) -> Option<f64> {
    let s = sentences(answer);
    if s.is_empty() {
        return None;
    }
    let context: HashSet<String> = passages.iter().flat_map(|p| words(p)).collect();
    Some(s.iter().filter(|x| supported(x, &context)).count() as f64 / s.len() as f64)
}

/// Context Recall: the share of the expected sources (document titles, compared without case)
/// among the retrieved documents; without expected sources, the share of the expected answer's
/// sentences supported by the retrieved passages.
pub fn context_recall(
    expected_sources: &[String],
    retrieved_titles: &[String],
    expected_answer: &str,
    passages: &[String],
) -> Option<f64> {
    if !expected_sources.is_empty() {
        let got: HashSet<String> = retrieved_titles.iter().map(|t| t.trim().to_lowercase()).collect();
        let hits = expected_sources
            .iter()
            .filter(|s| got.contains(&s.trim().to_lowercase()))
            .count();
        return Some(hits as f64 / expected_sources.len() as f64);
    }
    faithfulness(expected_answer, passages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_answers_are_similar_and_unrelated_ones_not() {
        assert_eq!(
            answer_similarity("Refunds take 14 days.", "Refunds take 14 days."),
            Some(1.0)
        );
        assert_eq!(
            answer_similarity("A refund takes 14 days [1].", "Refunds take 14 days"),
            Some(1.0)
        );
        assert_eq!(
            answer_similarity("Parcels leave at 16:00.", "Refunds take 14 days"),
            Some(0.0)
        );
        let partial = answer_similarity("Refunds take 14 days by card.", "Refunds take 14 days").unwrap();
        assert!(partial > 0.5 && partial < 1.0, "{partial}");
        assert_eq!(answer_similarity("anything", ""), None);
    }

    #[test]
    fn relevance_is_how_much_of_the_question_the_answer_uses() {
        assert_eq!(
            // Content words of the question: long, refund, take.
            answer_relevance("How long do refunds take?", "Refunds take a long time: 14 days."),
            Some(1.0)
        );
        assert_eq!(
            answer_relevance("How long do refunds take?", "Parcels leave at four."),
            Some(0.0)
        );
        assert_eq!(
            answer_relevance("How long do refunds take?", "Refunds are paid by card."),
            Some(1.0 / 3.0)
        );
    }

    #[test]
    fn an_unsupported_sentence_lowers_faithfulness() {
        let passages = vec!["Refunds are paid back within 14 days to the original card.".to_string()];
        assert_eq!(
            faithfulness("Refunds are paid back within 14 days [1].", &passages),
            Some(1.0)
        );
        assert_eq!(
            faithfulness(
                "Refunds are paid back within 14 days. Shipping is free on Mondays.",
                &passages
            ),
            Some(0.5)
        );
        assert_eq!(faithfulness("", &passages), None);
    }

    #[test]
    fn recall_counts_expected_sources_or_supported_expected_sentences() {
        let titles = vec!["refunds.md".to_string(), "other.md".to_string()];
        let expected = vec!["Refunds.md".to_string(), "policy.md".to_string()];
        assert_eq!(context_recall(&expected, &titles, "", &[]), Some(0.5));
        let passages = vec!["Refunds are paid back within 14 days.".to_string()];
        assert_eq!(
            context_recall(&[], &titles, "Refunds are paid back within 14 days.", &passages),
            Some(1.0)
        );
        assert_eq!(context_recall(&[], &titles, "", &passages), None);
    }
}
