//! LLM-as-judge: a configured model scores an answer by the four criteria of the computed
//! metrics in one request, answering with a JSON object. Scores outside 0–1 or missing are
//! dropped (the answer then simply has no such score), never guessed.

use serde_json::{Value, json};

use crate::chat::openai::OpenAiAnswerer;

/// The judged criteria: the JSON key the model answers with, and the metric it scores.
pub const CRITERIA: [(&str, &str); 4] = [
    ("answer_similarity", "Answer Similarity (LLM judge)"),
    ("answer_relevance", "Answer Relevance (LLM judge)"),
    ("faithfulness", "Faithfulness (LLM judge)"),
    ("context_recall", "Context Recall (LLM judge)"),
];

const INSTRUCTIONS: &str = "You are an impartial evaluator of answers written by a document assistant. Score the \
answer by each criterion with a number from 0 (worst) to 1 (best):\n\
- answer_similarity: how closely the answer says what the expected answer says (null when there is no expected \
answer);\n\
- answer_relevance: how directly and completely the answer addresses the question;\n\
- faithfulness: the share of the answer's claims that the retrieved passages support;\n\
- context_recall: how much of the expected answer the retrieved passages contain (null when there is no expected \
answer).\n\
Reply with only a JSON object with these four keys and a key \"reason\" holding one sentence.";

/// What the judge is shown.
pub struct Case<'a> {
    pub question: &'a str,
    pub expected_answer: &'a str,
    pub answer: &'a str,
    pub passages: &'a [String],
}

pub fn messages(case: &Case<'_>) -> Vec<Value> {
    let mut user = format!("Question:\n{}\n\nExpected answer:\n", case.question.trim());
    user.push_str(match case.expected_answer.trim() {
        "" => "(none)",
        e => e,
    });
    user.push_str("\n\nRetrieved passages:\n");
    if case.passages.is_empty() {
        user.push_str("(none)\n");
    }
    for (i, p) in case.passages.iter().enumerate() {
        user.push_str(&format!("[{}] {}\n", i + 1, p.trim()));
    }
    user.push_str(&format!("\nAnswer to score:\n{}", case.answer.trim()));
    vec![
        json!({"role": "system", "content": INSTRUCTIONS}),
        json!({"role": "user", "content": user}),
    ]
}

/// The scores in a judge's reply, by metric name, each with the judge's reason.
pub fn parse(reply: &str) -> Result<Vec<(&'static str, f64, String)>, String> {
    // Models often wrap the object in prose or a code fence: read from the first { to the last }.
    let object = match (reply.find('{'), reply.rfind('}')) {
        (Some(start), Some(end)) if start < end => &reply[start..=end],
        _ => {
            return Err(format!(
                "The judge did not answer with a JSON object: {}",
                excerpt(reply)
            ));
        }
    };
    let v: Value = serde_json::from_str(object)
        .map_err(|_| format!("The judge's answer is not valid JSON: {}", excerpt(reply)))?;
    let reason = v["reason"].as_str().unwrap_or("").trim().to_string();
    Ok(CRITERIA
        .iter()
        .filter_map(|(key, metric)| {
            let score = v[key].as_f64().filter(|s| (0.0..=1.0).contains(s))?;
            Some((*metric, (score * 1000.0).round() / 1000.0, reason.clone()))
        })
        .collect())
}

fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(120).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Asks the judge; its scores by metric name.
/// What the judge said, and what it took.
pub struct Judged {
    pub scores: Vec<(&'static str, f64, String)>,
    pub tokens: i64,
    pub cost: String,
}

pub async fn judge(model: &OpenAiAnswerer, case: &Case<'_>) -> Result<Judged, String> {
    let (reply, prompt, completion) = model.complete(messages(case)).await?;
    Ok(Judged {
        scores: parse(&reply)?,
        tokens: prompt + completion,
        cost: model.cost(prompt, completion),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn scores_are_read_from_a_fenced_object_and_bad_ones_dropped() {
        let reply = "Sure.\n```json\n{\"answer_similarity\": 0.8, \"answer_relevance\": 1, \"faithfulness\": 1.4, \
                     \"context_recall\": null, \"reason\": \"Close.\"}\n```";
        let scores = parse(reply).unwrap();
        assert_eq!(
            scores,
            vec![
                ("Answer Similarity (LLM judge)", 0.8, "Close.".to_string()),
                ("Answer Relevance (LLM judge)", 1.0, "Close.".to_string()),
            ]
        );
        assert!(parse("I think it is good.").unwrap_err().contains("JSON object"));
        assert!(parse("{not json}").unwrap_err().contains("not valid JSON"));
    }
}
