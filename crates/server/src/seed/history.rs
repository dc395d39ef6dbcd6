//! `seed --demo --responses N`: 90 days of believable usage for the analytics views, written
//! through the same accounting as live answers (raw responses, votes and their rollups in one
//! transaction per batch). Busy weekdays and office hours, quiet weekends, a slow growth over
//! the period; a few heavy users and popular agents; three models at their list prices.

use std::collections::HashMap;

use ejento_api::OrgRole;
use rand::{Rng, SeedableRng, rngs::StdRng};
use time::{Duration, OffsetDateTime};

use crate::{
    domain::{Email, PersonName},
    error::Result,
    store::{
        NewUser, Store,
        analytics::{EntityKind, HistoryResponse, format_cost},
    },
    time_fmt,
};

const DAYS: i64 = 90;
const BATCH: usize = 2_000;
/// People who asked questions, besides the organization's own accounts.
const EXTRA_USERS: usize = 36;

/// (model, nanodollars per prompt token, per completion token): local, and two list prices.
const MODELS: [(&str, i64, i64); 3] = [("local", 0, 0), ("gpt-4o-mini", 150, 600), ("gpt-4o", 2_500, 10_000)];

const QUESTIONS: [&str; 12] = [
    "How long do refunds take?",
    "Who approves a refund above 500 EUR?",
    "What is the travel budget for hotels?",
    "How do I reset my VPN token?",
    "Which laptop models can I order?",
    "What does the onboarding checklist include?",
    "How many vacation days do new hires get?",
    "Where do I upload my receipts?",
    "How do I escalate a support ticket?",
    "What is the SLA for priority-one incidents?",
    "Can I expense a home-office chair?",
    "How do I request access to the data warehouse?",
];

const FIRST_NAMES: [&str; 12] = [
    "Mara", "Jonas", "Priya", "Tomás", "Lena", "Kwame", "Yuki", "Omar", "Sofia", "Liam", "Aiko", "Nadia",
];
const LAST_NAMES: [&str; 6] = ["Keller", "Osei", "Tanaka", "Haddad", "Novak", "Moreau"];

/// Picks an index with a long tail: low indexes are much more likely (a few heavy users).
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.r#gen();
    ((u * u) * n as f64) as usize % n.max(1)
}

/// Relative traffic of an hour: office hours on weekdays, little at night and at weekends,
/// growing by half over the period.
fn weight(day: i64, weekday: time::Weekday, hour: u8) -> f64 {
    use time::Weekday::{Saturday, Sunday};
    let daily = match weekday {
        Saturday => 0.25,
        Sunday => 0.15,
        _ => 1.0,
    };
    let hourly = match hour {
        8..=11 => 1.0,
        13..=16 => 0.9,
        12 | 17 => 0.6,
        7 | 18..=20 => 0.3,
        _ => 0.05,
    };
    daily * hourly * (1.0 + 0.5 * day as f64 / DAYS as f64)
}

/// Writes `responses` answered questions into organization `org` (which needs agents), adding
/// askers as needed. Returns how many were written.
pub async fn generate(store: &Store, org: i64, responses: u64, seed: u64) -> Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Timings from their own generator, so that adding them left the rest of the history as it was.
    let mut timing = StdRng::seed_from_u64(seed.wrapping_add(0x7153));
    let agents = store.agent_projects(org).await?;
    if agents.is_empty() {
        return Err(crate::error::Error::BadRequest(
            "The organization has no agents to generate history for.".into(),
        ));
    }
    let mut users = store.entity_names(org, EntityKind::User).await?;
    for i in users.len()..EXTRA_USERS {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[i % LAST_NAMES.len()];
        let email = format!("{}.{}{i}@people.example", first.to_lowercase(), last.to_lowercase());
        let Ok(email) = Email::parse(&email) else { continue };
        if store.find_user_by_email(&email).await?.is_some() {
            continue;
        }
        let new = NewUser {
            email,
            password_hash: None,
            first_name: PersonName::parse(first).expect("a valid name"),
            last_name: PersonName::parse(last).expect("a valid name"),
        };
        let user = store.create_user(org, &new, OrgRole::User).await?;
        users.push((user.id, format!("{first} {last}")));
    }

    // When each response happens: hours weighted by the rhythm above.
    let now = crate::clock::now();
    let start = (now - Duration::days(DAYS))
        .replace_minute(0)
        .and_then(|t| t.replace_second(0));
    let start = start.unwrap_or(now - Duration::days(DAYS));
    let hours: Vec<(OffsetDateTime, f64)> = (0..DAYS * 24)
        .map(|h| {
            let t = start + Duration::hours(h);
            (t, weight(h / 24, t.weekday(), t.hour()))
        })
        .filter(|(t, _)| *t < now)
        .collect();
    let cumulative: Vec<f64> = hours
        .iter()
        .scan(0.0, |sum, (_, w)| {
            *sum += w;
            Some(*sum)
        })
        .collect();
    let total_weight = cumulative.last().copied().unwrap_or(0.0);
    let mut when: Vec<OffsetDateTime> = (0..responses)
        .map(|_| {
            let x = rng.r#gen::<f64>() * total_weight;
            let i = cumulative.partition_point(|c| *c <= x).min(hours.len() - 1);
            hours[i].0 + Duration::microseconds(rng.gen_range(0..3_600_000_000))
        })
        .filter(|t| *t < now)
        .collect();
    when.sort();

    let mut threads: HashMap<(i64, i64, i64), i64> = HashMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0;
    for at in when {
        let (user, by) = users[skewed(&mut rng, users.len())].clone();
        let (agent, project) = agents[skewed(&mut rng, agents.len())];
        let created_on = time_fmt::format(at);
        // One conversation per person, agent and week.
        let week = (at - start).whole_weeks();
        let question = QUESTIONS[rng.gen_range(0..QUESTIONS.len())];
        let thread = match threads.get(&(user, agent, week)) {
            Some(t) => *t,
            None => {
                let t = store
                    .create_history_thread(org, agent, user, &by, question, &created_on)
                    .await?;
                threads.insert((user, agent, week), t);
                t
            }
        };
        let (model, prompt_price, completion_price) = MODELS[(agent as usize) % MODELS.len()];
        let prompt_tokens = rng.gen_range(400..3_000);
        let completion_tokens = rng.gen_range(40..700);
        let cost = format_cost(i128::from(
            prompt_tokens * prompt_price + completion_tokens * completion_price,
        ));
        // First token: a model's usual wait and a long tail; then its writing speed.
        let (wait_ms, ms_per_token) = match model {
            "local" => (150, 2),
            "gpt-4o-mini" => (450, 12),
            _ => (700, 25),
        };
        let tail: f64 = timing.r#gen::<f64>().powi(4) * 6.0 + 0.5;
        let first_token_ms = (f64::from(wait_ms) * tail) as i64;
        let latency_ms = first_token_ms + completion_tokens * ms_per_token + timing.gen_range(0..200);
        let vote = match rng.gen_range(0..100) {
            0..=14 => Some("upvote"),
            15..=19 => Some("downvote"),
            _ => None,
        };
        batch.push(HistoryResponse {
            organization_id: org,
            project_id: project,
            agent_id: agent,
            user_id: user,
            thread_id: thread,
            by,
            query: question.to_string(),
            answer: "Answered from the organization's documents (generated history).".into(),
            created_on,
            model: model.to_string(),
            prompt_tokens,
            completion_tokens,
            cost,
            vote,
            first_token_ms,
            latency_ms,
        });
        if batch.len() == BATCH {
            store.insert_history(&batch).await?;
            written += batch.len() as u64;
            batch.clear();
        }
    }
    store.insert_history(&batch).await?;
    written += batch.len() as u64;
    Ok(written)
}
