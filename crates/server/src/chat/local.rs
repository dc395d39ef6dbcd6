//! The default answerer, needing no outside service: it quotes the sentences of the retrieved
//! passages that best match the question, each with its source number, and says plainly when
//! nothing relevant was found. Deterministic, streamed word by word.

use std::time::Duration;

use super::{Answer, AnswerContext, AnswerFuture, Answerer, Emitter, count_tokens};
use crate::search::query_terms;

/// At most this many sentences are quoted.
const MAX_QUOTES: usize = 3;

pub struct LocalAnswerer {
    /// Pause between streamed words, so the answer reads as it arrives.
    token_delay: Duration,
}

impl LocalAnswerer {
    pub fn new(token_delay: Duration) -> Self {
        Self { token_delay }
    }
}

/// Sentences of a passage (split after . ! ? and at line ends), trimmed, non-empty.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            out.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            out.push(std::mem::take(&mut current));
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().trim_start_matches(['-', '*', '#', ' ']).trim().to_string())
        .filter(|s| s.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
        .collect()
}

/// How many of the query's words (or their stems, the first five letters) a sentence holds.
fn overlap(sentence: &str, terms: &[String]) -> usize {
    let lower = sentence.to_lowercase();
    terms
        .iter()
        .filter(|t| t.chars().count() >= 3)
        .filter(|t| {
            let stem: String = t.chars().take(5).collect();
            lower.contains(stem.as_str())
        })
        .count()
}

/// The quoted sentences with their source numbers, best first: one per passage, from the
/// passages in rank order, only sentences sharing words with the question.
pub fn compose(ctx: &AnswerContext) -> (String, Vec<i64>) {
    let terms = query_terms(&ctx.query);
    let mut quotes: Vec<(String, i64)> = Vec::new();
    for source in &ctx.sources {
        if quotes.len() >= MAX_QUOTES {
            break;
        }
        let best = sentences(&source.text)
            .into_iter()
            // Headings and fragments say little on their own: quote sentences of 4 words or more.
            .filter(|s| s.split_whitespace().count() >= 4)
            .map(|s| (overlap(&s, &terms), s))
            .filter(|(score, _)| *score > 0)
            // Ties go to the earlier sentence: passages usually state the point first.
            .fold(None::<(usize, String)>, |best, (score, s)| match best {
                Some((b, _)) if b >= score => best,
                _ => Some((score, s)),
            });
        if let Some((_, sentence)) = best
            && !quotes.iter().any(|(q, _)| *q == sentence)
        {
            quotes.push((sentence, source.number));
        }
    }
    if quotes.is_empty() {
        return (
            "I could not find anything about that in the documents this agent can read. Try other words, or add \
             documents that cover it to one of its corpora."
                .to_string(),
            Vec::new(),
        );
    }
    let mut answer = String::from("Here is what the documents say:\n\n");
    let mut cited = Vec::new();
    for (sentence, number) in quotes {
        answer.push_str(&format!("- {sentence} [{number}]\n"));
        if !cited.contains(&number) {
            cited.push(number);
        }
    }
    (answer, cited)
}

/// Follow-up questions from the cited passages' sections, then their documents.
pub fn followups(ctx: &AnswerContext, cited: &[i64]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for source in ctx.sources.iter().filter(|s| cited.contains(&s.number)) {
        let q = match &source.section {
            Some(section) if !ctx.query.to_lowercase().contains(&section.to_lowercase()) => {
                format!("What else does “{section}” say?")
            }
            _ => format!("What else is in {}?", source.document_title),
        };
        if !out.contains(&q) {
            out.push(q);
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// Words with their following whitespace: the streamed tokens.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

impl Answerer for LocalAnswerer {
    fn answer<'a>(&'a self, ctx: &'a AnswerContext, out: &'a mut Emitter) -> AnswerFuture<'a> {
        Box::pin(async move {
            let (text, cited) = compose(ctx);
            for word in words(&text) {
                out.token(word).await?;
                if !self.token_delay.is_zero() {
                    tokio::time::sleep(self.token_delay).await;
                }
            }
            let context: i64 = ctx.sources.iter().map(|s| count_tokens(&s.text)).sum();
            Ok(Answer {
                followup_questions: followups(ctx, &cited),
                prompt_tokens: count_tokens(&ctx.query) + context,
                completion_tokens: count_tokens(&text),
                cited,
                cost: "0".into(),
                agent_mode: "local".into(),
                cache_hit: false,
                tool_sources: Vec::new(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use ejento_api::SupportingChunk;

    use super::*;

    fn source(number: i64, text: &str) -> SupportingChunk {
        SupportingChunk {
            number,
            chunk_id: number,
            document_id: number,
            document_title: format!("doc{number}"),
            corpus_id: 1,
            page: None,
            section: Some("Refunds".into()),
            text: text.into(),
            score: 1.0,
        }
    }

    fn ctx(query: &str, sources: Vec<SupportingChunk>) -> AnswerContext {
        AnswerContext {
            query: query.into(),
            agent_name: "A".into(),
            prompt: String::new(),
            instructions: vec![],
            history: vec![],
            sources,
            tools: vec![],
        }
    }

    #[test]
    fn quotes_the_matching_sentences_with_their_numbers() {
        let c = ctx(
            "How long do refunds take?",
            vec![
                source(1, "Shipping is free. Refunds arrive within 10 days. Call us."),
                source(2, "Nothing relevant here at all."),
                source(3, "Refunds over 500 EUR need approval."),
            ],
        );
        let (answer, cited) = compose(&c);
        assert_eq!(
            answer,
            "Here is what the documents say:\n\n- Refunds arrive within 10 days. [1]\n- Refunds over 500 EUR need approval. [3]\n"
        );
        assert_eq!(cited, vec![1, 3]);
        assert_eq!(words("a  b\nc"), vec!["a  ", "b\n", "c"]);
    }

    #[test]
    fn says_so_when_nothing_matches() {
        let (answer, cited) = compose(&ctx("quantum gravity", vec![source(1, "Refunds arrive soon.")]));
        assert!(answer.starts_with("I could not find anything"));
        assert!(cited.is_empty());
    }
}
