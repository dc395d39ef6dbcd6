//! Two runs of a dataset side by side: how each metric's average moved, what settings changed,
//! and per question how the answers differ (word diffs) and whether it got better or worse.
//!
//! A question **regressed** when the average move of the metrics both answers were scored by
//! (or of the chosen metric) is at most −0.05, **improved** at +0.05 or more; an answer that
//! failed in one run and not the other counts as a regression or an improvement whatever the
//! scores. Otherwise it **changed** if the answer text differs, else it is **unchanged**;
//! **missing** when one run has no result for it.

use std::collections::BTreeMap;

use ejento_api::{
    ChangeCounts, ConfigurationChange, DiffPiece, MetricAverage, MetricDelta, QueryComparison, QueryResult,
    RunConfiguration,
};
use similar::{ChangeTag, TextDiff};

/// The smallest move of a score that counts as better or worse.
pub const THRESHOLD: f64 = 0.05;

/// A word diff from `a` to `b`: runs of shared text, and each change as what was removed then
/// what was added. A lone space between two changes belongs to the change, so "Refunds take"
/// → "It depends" reads as one replacement, not two words around a shared space.
pub fn diff(a: &str, b: &str) -> Vec<DiffPiece> {
    let text_diff = TextDiff::from_words(a, b);
    let changes: Vec<(ChangeTag, &str)> = text_diff.iter_all_changes().map(|c| (c.tag(), c.value())).collect();
    let mut out: Vec<DiffPiece> = Vec::new();
    let (mut removed, mut added) = (String::new(), String::new());
    let piece = |kind: &str, text: String| DiffPiece {
        kind: kind.into(),
        text,
    };
    for (i, (tag, text)) in changes.iter().enumerate() {
        match tag {
            ChangeTag::Delete => removed.push_str(text),
            ChangeTag::Insert => added.push_str(text),
            ChangeTag::Equal => {
                let in_change = (!removed.is_empty() || !added.is_empty())
                    && text.trim().is_empty()
                    && changes.get(i + 1).is_some_and(|(t, _)| *t != ChangeTag::Equal);
                if in_change {
                    removed.push_str(text);
                    added.push_str(text);
                    continue;
                }
                for (kind, part) in [("removed", &mut removed), ("added", &mut added)] {
                    if !part.trim().is_empty() {
                        out.push(piece(kind, std::mem::take(part)));
                    }
                    part.clear();
                }
                match out.last_mut() {
                    Some(last) if last.kind == "same" => last.text.push_str(text),
                    _ => out.push(piece("same", text.to_string())),
                }
            }
        }
    }
    for (kind, part) in [("removed", removed), ("added", added)] {
        if !part.trim().is_empty() {
            out.push(piece(kind, part));
        }
    }
    out
}

fn rounded(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn delta(base: Option<f64>, candidate: Option<f64>) -> Option<f64> {
    Some(rounded(candidate? - base?))
}

/// Every metric either run has an average for, in metric order.
pub fn metric_deltas(base: &[MetricAverage], candidate: &[MetricAverage]) -> Vec<MetricDelta> {
    let mut by_id: BTreeMap<i64, MetricDelta> = BTreeMap::new();
    for (m, is_base) in base
        .iter()
        .map(|m| (m, true))
        .chain(candidate.iter().map(|m| (m, false)))
    {
        let entry = by_id.entry(m.metric_id).or_insert_with(|| MetricDelta {
            metric_id: m.metric_id,
            name: m.name.clone(),
            base: None,
            candidate: None,
            delta: None,
        });
        if is_base {
            entry.base = m.average.map(rounded);
        } else {
            entry.candidate = m.average.map(rounded);
        }
    }
    by_id
        .into_values()
        .map(|mut d| {
            d.delta = delta(d.base, d.candidate);
            d
        })
        .collect()
}

/// The settings that differ between the runs, as text, each with its word diff. A setting one
/// of the runs did not record (runs from before it was) is not compared.
pub fn configuration_changes(base: &RunConfiguration, candidate: &RunConfiguration) -> Vec<ConfigurationChange> {
    let judge = |c: &RunConfiguration| Some(c.judge.clone().unwrap_or_else(|| "none".into()));
    let chunks = |c: &RunConfiguration| c.chunk_count.map(|n| n.to_string());
    [
        ("prompt", Some(base.prompt.clone()), Some(candidate.prompt.clone())),
        (
            "instructions",
            Some(base.instructions.join("\n")),
            Some(candidate.instructions.join("\n")),
        ),
        ("model", Some(base.model.clone()), Some(candidate.model.clone())),
        ("judge", judge(base), judge(candidate)),
        ("retrieved chunks", chunks(base), chunks(candidate)),
        (
            "reasoning mode",
            base.reasoning_mode.clone(),
            candidate.reasoning_mode.clone(),
        ),
    ]
    .into_iter()
    .filter_map(|(field, b, c)| Some((field, b?, c?)))
    .filter(|(_, b, c)| b != c)
    .map(|(field, base, candidate)| ConfigurationChange {
        field: field.into(),
        diff: diff(&base, &candidate),
        base,
        candidate,
    })
    .collect()
}

/// One question in both runs; `metric` narrows what decides better or worse.
pub fn compare_query(
    base: Option<&QueryResult>,
    candidate: Option<&QueryResult>,
    metric: Option<i64>,
) -> QueryComparison {
    let either = base.or(candidate).expect("a question compared has a result in one run");
    let mut scores: BTreeMap<i64, MetricDelta> = BTreeMap::new();
    for (r, is_base) in base
        .iter()
        .map(|r| (r, true))
        .chain(candidate.iter().map(|r| (r, false)))
    {
        for m in &r.metrics {
            let entry = scores.entry(m.metric_id).or_insert_with(|| MetricDelta {
                metric_id: m.metric_id,
                name: m.name.clone(),
                base: None,
                candidate: None,
                delta: None,
            });
            if is_base {
                entry.base = Some(m.score);
            } else {
                entry.candidate = Some(m.score);
            }
        }
    }
    let metrics: Vec<MetricDelta> = scores
        .into_values()
        .map(|mut d| {
            d.delta = delta(d.base, d.candidate);
            d
        })
        .collect();
    let moves: Vec<f64> = metrics
        .iter()
        .filter(|d| metric.is_none_or(|id| d.metric_id == id))
        .filter_map(|d| d.delta)
        .collect();
    let moved = (!moves.is_empty()).then(|| rounded(moves.iter().sum::<f64>() / moves.len() as f64));
    let change = match (base, candidate) {
        (Some(b), Some(c)) => {
            let (b_ok, c_ok) = (b.status == "completed", c.status == "completed");
            if b_ok && !c_ok {
                "regressed"
            } else if !b_ok && c_ok {
                "improved"
            } else {
                match moved {
                    Some(d) if d <= -THRESHOLD => "regressed",
                    Some(d) if d >= THRESHOLD => "improved",
                    _ if b.answer.trim() != c.answer.trim() => "changed",
                    _ => "unchanged",
                }
            }
        }
        _ => "missing",
    };
    let answer = |r: Option<&QueryResult>| r.map(|r| r.answer.clone()).unwrap_or_default();
    QueryComparison {
        query: either.query,
        question: either.question.clone(),
        expected_answer: either.expected_answer.clone(),
        change: change.into(),
        delta: moved,
        answer_diff: match (base, candidate) {
            (Some(b), Some(c)) => diff(&b.answer, &c.answer),
            _ => Vec::new(),
        },
        base_vs_expected: diff(&either.expected_answer, &answer(base)),
        candidate_vs_expected: diff(&either.expected_answer, &answer(candidate)),
        metrics,
        base: base.cloned(),
        candidate: candidate.cloned(),
    }
}

/// Every question of either run, in question order.
pub fn compare_all(base: &[QueryResult], candidate: &[QueryResult], metric: Option<i64>) -> Vec<QueryComparison> {
    let mut pairs: BTreeMap<i64, (Option<&QueryResult>, Option<&QueryResult>)> = BTreeMap::new();
    for r in base {
        pairs.entry(r.query).or_default().0 = Some(r);
    }
    for r in candidate {
        pairs.entry(r.query).or_default().1 = Some(r);
    }
    pairs.into_values().map(|(b, c)| compare_query(b, c, metric)).collect()
}

pub fn counts(rows: &[QueryComparison]) -> ChangeCounts {
    let mut c = ChangeCounts::default();
    for r in rows {
        match r.change.as_str() {
            "regressed" => c.regressed += 1,
            "improved" => c.improved += 1,
            "changed" => c.changed += 1,
            "unchanged" => c.unchanged += 1,
            _ => c.missing += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use ejento_api::MetricScore;

    use super::*;

    fn result(query: i64, answer: &str, status: &str, scores: &[(i64, f64)]) -> QueryResult {
        QueryResult {
            id: query * 10,
            evaluation: 1,
            query,
            question: format!("Q{query}?"),
            expected_answer: "Refunds take 14 days.".into(),
            answer: answer.into(),
            sources: vec![],
            agent_response: None,
            status: status.into(),
            total_tokens: 0,
            cost: "0".into(),
            latency_ms: 0,
            metrics: scores
                .iter()
                .map(|(id, score)| MetricScore {
                    id: 0,
                    metric_id: *id,
                    name: format!("M{id}"),
                    score: *score,
                    details: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_replaced_phrase_is_one_change() {
        let d = diff("Refunds take 14 days [1].", "It depends [1].");
        let kinds: Vec<(&str, &str)> = d.iter().map(|p| (p.kind.as_str(), p.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("removed", "Refunds take 14 days"),
                ("added", "It depends"),
                ("same", " [1].")
            ]
        );
        assert_eq!(diff("Same.", "Same.").len(), 1);
        assert_eq!(diff("", "New text")[0].kind, "added");
    }

    #[test]
    fn word_diffs_merge_runs_of_a_kind() {
        let d = diff("Refunds take 14 days.", "Refunds take 10 business days.");
        let kinds: Vec<(&str, &str)> = d.iter().map(|p| (p.kind.as_str(), p.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("same", "Refunds take "),
                ("removed", "14"),
                ("added", "10 business"),
                ("same", " days.")
            ]
        );
    }

    #[test]
    fn questions_are_classified_by_the_average_move_of_shared_metrics() {
        let base = [
            result(1, "Refunds take 14 days.", "completed", &[(1, 1.0), (2, 0.8)]),
            result(2, "Parcels ship daily.", "completed", &[(1, 0.5)]),
            result(3, "Same.", "completed", &[(1, 0.5)]),
            result(4, "Was fine.", "completed", &[(1, 0.9)]),
            result(5, "Only here.", "completed", &[]),
        ];
        let candidate = [
            // −0.5 and −0.1: average −0.3
            result(1, "Refunds take a while.", "completed", &[(1, 0.5), (2, 0.7)]),
            result(2, "Parcels ship daily, even Sundays.", "completed", &[(1, 0.52)]),
            result(3, "Same.", "completed", &[(1, 0.5)]),
            result(4, "", "failed", &[]),
            result(6, "New question.", "completed", &[(1, 1.0)]),
        ];
        let rows = compare_all(&base, &candidate, None);
        let changes: Vec<(i64, &str, Option<f64>)> =
            rows.iter().map(|r| (r.query, r.change.as_str(), r.delta)).collect();
        assert_eq!(
            changes,
            [
                (1, "regressed", Some(-0.3)),
                (2, "changed", Some(0.02)),
                (3, "unchanged", Some(0.0)),
                (4, "regressed", None),
                (5, "missing", None),
                (6, "missing", None),
            ]
        );
        assert_eq!(
            counts(&rows),
            ChangeCounts {
                regressed: 2,
                improved: 0,
                changed: 1,
                unchanged: 1,
                missing: 2
            }
        );
        // Judged by metric 2 alone, question 1 fell by 0.1.
        assert_eq!(compare_all(&base, &candidate, Some(2))[0].delta, Some(-0.1));
        // And the other way round it improved.
        assert_eq!(compare_all(&candidate, &base, None)[0].change, "improved");
    }

    #[test]
    fn only_settings_that_differ_are_listed() {
        let base = RunConfiguration {
            prompt: "Be brief.".into(),
            instructions: vec![],
            model: "local".into(),
            judge: None,
            chunk_count: Some(8),
            reasoning_mode: Some("standard".into()),
        };
        let candidate = RunConfiguration {
            prompt: "Be brief. Cite the policy.".into(),
            chunk_count: Some(2),
            ..base.clone()
        };
        let changes = configuration_changes(&base, &candidate);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["prompt", "retrieved chunks"]);
        // The prompt's diff marks the added sentence and keeps the old text as it was.
        let kinds: Vec<(&str, &str)> = changes[0]
            .diff
            .iter()
            .map(|p| (p.kind.as_str(), p.text.as_str()))
            .collect();
        assert_eq!(kinds, [("same", "Be brief."), ("added", " Cite the policy.")]);
        assert_eq!((changes[1].base.as_str(), changes[1].candidate.as_str()), ("8", "2"));
        // A run from before chunk counts were recorded is not said to differ.
        let older = RunConfiguration {
            chunk_count: None,
            ..base.clone()
        };
        assert!(
            configuration_changes(&older, &candidate)
                .iter()
                .all(|c| c.field != "retrieved chunks")
        );
    }
}
