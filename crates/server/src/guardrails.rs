//! The guardrail engine: what an organization's guardrails find in a question or an answer, and
//! what the text becomes. Questions are checked whole before retrieval; answers are checked as
//! they stream, a sentence at a time, so nothing a guardrail would remove ever leaves the server.

use std::{ops::Range, sync::LazyLock};

use ejento_api::{GUARDRAIL_TYPES, Guardrail, GuardrailFinding, GuardrailResult, PII_KINDS};
use regex::Regex;

use crate::{
    error::Result,
    flags::{Flag, FlagSet},
    store::Store,
};

/// Which side of the conversation a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

impl Direction {
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.unwrap_or("input") {
            "input" => Some(Direction::Input),
            "output" => Some(Direction::Output),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Direction::Input => "question",
            Direction::Output => "answer",
        }
    }

    fn runs(self, applies_to: &str) -> bool {
        applies_to == "both" || applies_to == self.name()
    }
}

pub fn is_type(name: &str) -> bool {
    GUARDRAIL_TYPES.iter().any(|t| t.1 == name)
}

pub fn pii_label(kind: &str) -> Option<&'static str> {
    PII_KINDS.iter().find(|k| k.0 == kind).map(|k| k.1)
}

/// The guardrails that check an agent's questions and answers (`None`: the organization-wide
/// ones), as the organization's feature flags allow: none with `guardrail` off, no personal
/// data checks with `pii-redaction` off.
pub async fn for_agent(store: &Store, flags: &FlagSet, org: i64, agent: Option<i64>) -> Result<Guards> {
    if !flags.on(Flag::Guardrail) {
        return Ok(Guards::default());
    }
    let pii = flags.on(Flag::PiiRedaction);
    let rules = store
        .active_guardrails(org, agent)
        .await?
        .into_iter()
        .filter(|g| pii || g.guardrail_type != "pii")
        .collect();
    Ok(Guards::new(rules))
}

/// A guardrail with its word patterns compiled once (an answer is checked a sentence at a time).
#[derive(Debug, Clone)]
struct Rule {
    guardrail: Guardrail,
    /// `blocked_terms`: the terms.
    terms: Option<Regex>,
    /// `blocked_topics`: each topic's keywords.
    topics: Vec<Option<Regex>>,
}

/// The guardrails that run for one agent (or one dry-run).
#[derive(Debug, Clone, Default)]
pub struct Guards {
    rules: Vec<Rule>,
}

impl Guards {
    pub fn new(guardrails: Vec<Guardrail>) -> Self {
        let rules = guardrails
            .into_iter()
            .map(|g| Rule {
                terms: words_regex(&g.config.terms),
                topics: g.config.topics.iter().map(|t| words_regex(&t.keywords)).collect(),
                guardrail: g,
            })
            .collect();
        Self { rules }
    }

    pub fn runs_on(&self, direction: Direction) -> bool {
        self.rules.iter().any(|r| direction.runs(&r.guardrail.applies_to))
    }

    /// Every guardrail for `direction`, in order: redactions change the text the next one sees;
    /// the first block decides the message.
    pub fn check(&self, direction: Direction, text: &str) -> GuardrailResult {
        let mut text = text.to_string();
        let mut findings = Vec::new();
        let mut blocked_by: Option<String> = None;
        for Rule {
            guardrail: rule,
            terms,
            topics,
        } in self.rules.iter().filter(|r| direction.runs(&r.guardrail.applies_to))
        {
            let block = rule.action == "block";
            let mut found = |kind: &str, message: String| {
                if block && blocked_by.is_none() {
                    blocked_by = Some(format!(
                        "Blocked by the guardrail “{}”: the {} {message}.",
                        rule.name,
                        direction.noun()
                    ));
                }
                findings.push(GuardrailFinding {
                    guardrail_id: rule.id,
                    guardrail_name: rule.name.clone(),
                    guardrail_type: rule.guardrail_type.clone(),
                    kind: kind.to_string(),
                    action: rule.action.clone(),
                    direction: direction.name().into(),
                    message,
                });
            };
            match rule.guardrail_type.as_str() {
                "pii" => {
                    for (kind, label) in PII_KINDS {
                        if !rule.config.pii_types.is_empty() && !rule.config.pii_types.iter().any(|k| k == kind) {
                            continue;
                        }
                        let spans = find_pii(kind, &text);
                        if spans.is_empty() {
                            continue;
                        }
                        let n = spans.len();
                        let what = if n == 1 {
                            format!("{} {label}", article(label))
                        } else {
                            format!("{n} {label}s")
                        };
                        if block {
                            found(kind, format!("contains {what}"));
                        } else {
                            text = replace(&text, &spans, &format!("[{}]", kind.to_uppercase()));
                            found(kind, format!("{what} redacted"));
                        }
                    }
                }
                "blocked_terms" => {
                    let Some(re) = terms else {
                        continue;
                    };
                    let spans: Vec<Range<usize>> = re.find_iter(&text).map(|m| m.range()).collect();
                    if let Some(first) = spans.first() {
                        let term = text[first.clone()].to_string();
                        if block {
                            found("term", format!("uses the blocked term “{term}”"));
                        } else {
                            text = replace(&text, &spans, "[REDACTED]");
                            found("term", format!("blocked term “{term}” redacted"));
                        }
                    }
                }
                "blocked_topics" => {
                    for (topic, keywords) in rule.config.topics.iter().zip(topics) {
                        if keywords.as_ref().is_some_and(|re| re.is_match(&text)) {
                            found("topic", format!("is about the blocked topic {}", topic.name));
                        }
                    }
                }
                "max_input_length" => {
                    let (Direction::Input, Some(max)) = (direction, rule.config.max_characters) else {
                        continue;
                    };
                    let n = text.chars().count();
                    if n as i64 > max {
                        found("length", format!("is {n} characters long; the limit is {max}"));
                    }
                }
                _ => {}
            }
        }
        GuardrailResult {
            text,
            guardrail_triggered: !findings.is_empty(),
            blocked: blocked_by.is_some(),
            findings,
            message: blocked_by,
        }
    }
}

fn article(label: &str) -> &'static str {
    if label.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
        "an"
    } else {
        "a"
    }
}

/// Replaces the (sorted, disjoint) spans of `text` with `with`.
fn replace(text: &str, spans: &[Range<usize>], with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(with);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whole words or phrases, ignoring case; none when there are no words.
fn words_regex(words: &[String]) -> Option<Regex> {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .map(|w| regex::escape(w).replace(' ', r"\s+"))
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|"))).ok()
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}")
        .expect("e-mail pattern")
});
static CARD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("card pattern"));
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b").expect("IBAN pattern"));
// A US social security number, or a UK national insurance number.
static NATIONAL_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:\d{3}-\d{2}-\d{4}|[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])\b")
        .expect("national id pattern")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:\+|\()?\d[\d ().-]{5,20}\d").expect("phone pattern"));
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("date pattern"));

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The payment card check digit (ISO/IEC 7812).
pub fn luhn(number: &str) -> bool {
    let d = digits(number);
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let n = u32::from(b - b'0');
            if i % 2 == 1 {
                if n * 2 > 9 { n * 2 - 9 } else { n * 2 }
            } else {
                n
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The longest prefix of an IBAN-looking match (cut at its spaces) that is a valid IBAN.
fn valid_iban(candidate: &str) -> Option<usize> {
    let mut end = candidate.len();
    loop {
        let compact: String = candidate[..end].chars().filter(|c| *c != ' ').collect();
        if compact.parse::<iban::Iban>().is_ok() {
            return Some(end);
        }
        end = candidate[..end].rfind(' ')?;
    }
}

fn boundary_ok(text: &str, span: &Range<usize>) -> bool {
    let before = text[..span.start].chars().next_back();
    let after = text[span.end..].chars().next();
    !before.is_some_and(|c| c.is_alphanumeric()) && !after.is_some_and(|c| c.is_alphanumeric())
}

/// Where `text` holds personal data of `kind` (sorted, disjoint).
fn find_pii(kind: &str, text: &str) -> Vec<Range<usize>> {
    match kind {
        "email" => EMAIL.find_iter(text).map(|m| m.range()).collect(),
        "payment_card" => CARD
            .find_iter(text)
            .filter(|m| luhn(m.as_str()))
            .map(|m| m.range())
            .collect(),
        "iban" => IBAN
            .find_iter(text)
            .filter_map(|m| valid_iban(m.as_str()).map(|len| m.start()..m.start() + len))
            .collect(),
        "national_id" => NATIONAL_ID
            .find_iter(text)
            .filter(|m| !m.as_str().starts_with("000") && !m.as_str().starts_with("666"))
            .map(|m| m.range())
            .collect(),
        "phone" => PHONE
            .find_iter(text)
            .filter(|m| {
                let s = m.as_str().trim_end_matches([' ', '.', '-', '(']);
                let n = digits(s).len();
                let international = s.starts_with('+');
                let enough = if international {
                    (7..=15).contains(&n)
                } else {
                    (9..=15).contains(&n)
                };
                enough && !ISO_DATE.is_match(s) && boundary_ok(text, &m.range())
            })
            .map(|m| m.range())
            .collect(),
        _ => Vec::new(),
    }
}

/// Checks an answer as it streams: text is held back until a sentence or line ends (no personal
/// data, term or topic spans one), then checked and released.
pub struct OutputGuard {
    guards: Guards,
    pending: String,
    pub findings: Vec<GuardrailFinding>,
}

/// Text held back this long without a sentence end is released up to a space this far from its
/// end (longer than any IBAN, card or phone number written with spaces).
const HOLD_MAX: usize = 2048;
const HOLD_TAIL: usize = 128;

impl OutputGuard {
    pub fn new(guards: Guards) -> Self {
        Self {
            guards,
            pending: String::new(),
            findings: Vec::new(),
        }
    }

    /// Takes a piece of the answer; the checked text that may be sent now, or why it is blocked.
    pub fn push(&mut self, delta: &str) -> Result<String, String> {
        self.pending.push_str(delta);
        let cut = safe_cut(&self.pending);
        if cut == 0 {
            return Ok(String::new());
        }
        let ready: String = self.pending.drain(..cut).collect();
        self.check(&ready)
    }

    /// The rest, once the answer is complete.
    pub fn finish(&mut self) -> Result<String, String> {
        let rest = std::mem::take(&mut self.pending);
        self.check(&rest)
    }

    fn check(&mut self, text: &str) -> Result<String, String> {
        if text.is_empty() {
            return Ok(String::new());
        }
        let result = self.guards.check(Direction::Output, text);
        for f in result.findings {
            if !self
                .findings
                .iter()
                .any(|g| g.guardrail_id == f.guardrail_id && g.kind == f.kind)
            {
                self.findings.push(f);
            }
        }
        match result.message {
            Some(why) if result.blocked => Err(why),
            _ => Ok(result.text),
        }
    }
}

/// Where held-back text may be cut: after its last line end or sentence end (a `.`, `!` or `?`
/// followed by a space); 0 when there is none yet.
fn safe_cut(s: &str) -> usize {
    for (i, c) in s.char_indices().rev() {
        if c == '\n' || (c.is_whitespace() && s[..i].ends_with(['.', '!', '?'])) {
            return i + c.len_utf8();
        }
    }
    if s.len() > HOLD_MAX {
        let limit = s.floor_char_boundary(s.len() - HOLD_TAIL);
        if let Some(space) = s[..limit].rfind(char::is_whitespace) {
            return space + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use ejento_api::{BlockedTopic, GuardrailConfig};

    use super::*;

    fn rule(id: i64, kind: &str, action: &str, config: GuardrailConfig) -> Guardrail {
        Guardrail {
            id,
            organization_id: 1,
            agent_id: None,
            name: format!("rule {id}"),
            description: String::new(),
            guardrail_type: kind.into(),
            applies_to: "both".into(),
            action: action.into(),
            config,
            is_enabled: true,
            created_by: String::new(),
            created_on: String::new(),
            modified_on: String::new(),
        }
    }

    fn pii(action: &str) -> Guards {
        Guards::new(vec![rule(1, "pii", action, GuardrailConfig::default())])
    }

    #[test]
    fn personal_data_is_redacted_and_checked() {
        let r = pii("redact").check(
            Direction::Input,
            "Mail ana.lopez@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, \
             not 4111 1111 1111 1112; IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789. \
             Order 2024-01-15 costs 14 days.",
        );
        assert_eq!(
            r.text,
            "Mail [EMAIL] or call [PHONE]; card [PAYMENT_CARD], not 4111 1111 1111 1112; \
             IBAN [IBAN], SSN [NATIONAL_ID]. Order 2024-01-15 costs 14 days."
        );
        assert!(r.guardrail_triggered && !r.blocked);
        let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["email", "iban", "payment_card", "national_id", "phone"]);
        assert_eq!(r.findings[0].message, "an e-mail address redacted");
        // Not personal data: a wrong check digit stays, and so does an invalid IBAN.
        let r = pii("redact").check(Direction::Input, "Ref GB00WEST12345698765432 and 2019 2020");
        assert!(!r.guardrail_triggered, "{r:?}");
    }

    #[test]
    fn block_actions_refuse_with_the_reason() {
        let r = pii("block").check(Direction::Input, "I am bob@example.org");
        assert!(r.blocked);
        assert_eq!(
            r.message.as_deref(),
            Some("Blocked by the guardrail “rule 1”: the question contains an e-mail address.")
        );
        assert_eq!(r.text, "I am bob@example.org");
        let topics = GuardrailConfig {
            topics: vec![BlockedTopic {
                name: "Salaries".into(),
                keywords: vec!["salary".into(), "pay rise".into()],
            }],
            ..Default::default()
        };
        let g = Guards::new(vec![rule(2, "blocked_topics", "block", topics)]);
        assert!(g.check(Direction::Input, "When is my next PAY   rise?").blocked);
        assert!(!g.check(Direction::Input, "What is salaryman?").blocked);
        let length = GuardrailConfig {
            max_characters: Some(10),
            ..Default::default()
        };
        let g = Guards::new(vec![rule(3, "max_input_length", "block", length)]);
        assert_eq!(
            g.check(Direction::Input, "eleven chars").message.as_deref(),
            Some("Blocked by the guardrail “rule 3”: the question is 12 characters long; the limit is 10.")
        );
        assert!(!g.check(Direction::Output, "a long answer is fine").blocked);
    }

    #[test]
    fn terms_are_redacted_whole_words_only() {
        let terms = GuardrailConfig {
            terms: vec!["Project Apollo".into()],
            ..Default::default()
        };
        let g = Guards::new(vec![rule(4, "blocked_terms", "redact", terms)]);
        let r = g.check(Direction::Output, "About project apollo and Project Apollonia.");
        assert_eq!(r.text, "About [REDACTED] and Project Apollonia.");
    }

    #[test]
    fn streamed_answers_release_checked_sentences_only() {
        let mut guard = OutputGuard::new(pii("redact"));
        let mut sent = String::new();
        for piece in [
            "Write to ",
            "ana@exa",
            "mple.com",
            " today. Card 4111 1111 ",
            "1111 1111",
            " works.",
        ] {
            let out = guard.push(piece).unwrap();
            assert!(!out.contains("ana@"), "{out}");
            sent.push_str(&out);
        }
        sent.push_str(&guard.finish().unwrap());
        assert_eq!(sent, "Write to [EMAIL] today. Card [PAYMENT_CARD] works.");
        assert_eq!(guard.findings.len(), 2);
        let mut guard = OutputGuard::new(pii("block"));
        assert_eq!(guard.push("Fine so far. ").unwrap(), "Fine so far. ");
        assert!(guard.push("Ask x@y.io. ").is_err());
    }

    #[test]
    fn luhn_checks_the_digit() {
        assert!(luhn("4539 1488 0343 6467"));
        assert!(!luhn("4539 1488 0343 6468"));
        assert!(!luhn("1234"));
    }
}
