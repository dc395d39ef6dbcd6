//! Demo data: a believable organization to click through right after `make run`.

pub mod history;

use ejento_api::OrgRole;

use ejento_api::ResourceRole;

use crate::{
    auth::password,
    domain::{Email, Password, PersonName},
    error::Result,
    indexing::content_hash,
    objects::Objects,
    store::{
        AgentConfig, MemberTable, NewDocument, NewUser, PageRequest, ProjectFilter, SignupOutcome, Store, UserRow,
    },
};

pub const DEMO_ORGANIZATION: &str = "Northwind Research";
pub const DEMO_PASSWORD: &str = "ejento-demo-2026";

/// (e-mail, first name, last name, role) of each demo account; the first founds the organization.
pub const DEMO_USERS: [(&str, &str, &str, OrgRole); 4] = [
    ("admin@northwind.example", "Ada", "Lovelace", OrgRole::GlobalAdmin),
    (
        "builder@northwind.example",
        "Grace",
        "Hopper",
        OrgRole::ApplicationAdmin,
    ),
    ("analyst@northwind.example", "Katherine", "Johnson", OrgRole::User),
    ("support@northwind.example", "Alan", "Turing", OrgRole::User),
];

/// Creates the demo accounts that do not exist yet; returns how many it created. The demo
/// agents' corpora get a few documents, queued for indexing (the server's workers index them).
pub async fn seed_demo(store: &Store, objects: &Objects) -> Result<usize> {
    let pw = Password::parse(DEMO_PASSWORD).expect("the demo password meets the policy");
    let mut created = 0;
    let mut org_id = None;
    for (email, first, last, role) in DEMO_USERS {
        let email = Email::parse(email).expect("demo e-mails are valid");
        if let Some(existing) = store.find_user_by_email(&email).await? {
            org_id.get_or_insert(existing.organization_id);
            continue;
        }
        let new = NewUser {
            email,
            password_hash: Some(password::hash(&pw).await?),
            first_name: PersonName::parse(first).expect("demo names are valid"),
            last_name: PersonName::parse(last).expect("demo names are valid"),
        };
        let user = match org_id {
            Some(org) => store.create_user(org, &new, role).await?,
            None => match store
                .sign_up(new, crate::config::SignupPolicy::Open, DEMO_ORGANIZATION)
                .await?
            {
                SignupOutcome::Founded(u) | SignupOutcome::Joined(u) => u,
                SignupOutcome::Closed => unreachable!("seeding always signs up with open policy"),
            },
        };
        org_id.get_or_insert(user.organization_id);
        created += 1;
    }
    seed_structure(store, objects).await?;
    Ok(created)
}

/// (agent, file name, content) of the demo documents, written for the demo organization.
const DEMO_DOCUMENTS: [(&str, &str, &str); 6] = [
    (
        "Billing Helper",
        "refund-policy.md",
        "# Refund policy\n\nCustomers may ask for a refund within 30 days of an invoice date. Refunds go back to the \
         original payment method and arrive within 5 to 10 business days.\n\n## Partial refunds\n\nAnnual plans \
         cancelled mid-term are refunded pro rata for the unused full months. Usage-based charges are not refunded.\n\n\
         ## Who approves\n\nRefunds up to 500 EUR are approved by the support agent handling the ticket; larger \
         refunds need the approval of the billing lead.\n",
    ),
    (
        "Billing Helper",
        "payment-methods.md",
        "# Payment methods\n\nNorthwind accepts credit cards (Visa, Mastercard, American Express), SEPA direct debit \
         and bank transfer. Invoices paid by bank transfer must quote the invoice number.\n\n## Failed payments\n\n\
         A failed card payment is retried after 3 and 7 days. After the third failure the workspace becomes read-only \
         until the invoice is paid.\n",
    ),
    (
        "Onboarding Guide",
        "first-workspace.md",
        "# Setting up your first workspace\n\n1. Sign in and choose Create workspace.\n2. Name the workspace after \
         your team.\n3. Invite colleagues from Settings, then Members.\n4. Connect a data source from Settings, then \
         Integrations.\n\n## Roles\n\nOwners manage billing and members; editors build dashboards; viewers read them.\n",
    ),
    (
        "Lab Notebook",
        "experiments-2026.csv",
        "date,experiment,result,notes\n2026-02-03,Catalyst A at 40C,yield 61%,baseline run\n\
         2026-02-10,Catalyst A at 55C,yield 68%,higher temperature helps\n2026-02-17,Catalyst B at 55C,yield 74%,\
         best so far; repeat with fresh batch\n2026-03-02,Catalyst B at 55C (repeat),yield 73%,confirms the February result\n",
    ),
    (
        "Paper Scout",
        "reading-list.csv",
        "title,authors,year,why it matters\n\
         Attention Is All You Need,Vaswani et al.,2017,introduced the transformer architecture\n\
         Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks,Lewis et al.,2020,grounds generation in retrieved passages\n\
         The Probabilistic Relevance Framework: BM25 and Beyond,Robertson and Zaragoza,2009,the ranking function our search uses\n",
    ),
    (
        "Close Checklist",
        "close-checklist.md",
        "# Quarterly close checklist\n\n## Week 1\n\nReconcile bank accounts and post accruals. Accrual adjustments \
         above 10,000 EUR are approved by the controller.\n\n## Week 2\n\nReview revenue recognition, then lock the \
         period in the ledger. Expense reports for the quarter are due on the fifth working day after quarter end.\n",
    ),
];

/// Queues the demo documents in each demo agent's default corpus.
async fn seed_documents(
    store: &Store,
    objects: &Objects,
    org: i64,
    admin: &UserRow,
    agents: &[(i64, &str)],
) -> Result<()> {
    for (agent_name, file, content) in DEMO_DOCUMENTS {
        let Some((agent, _)) = agents.iter().find(|(_, n)| *n == agent_name) else {
            continue;
        };
        let Some(corpus) = store
            .agent_connections(*agent, false)
            .await?
            .into_iter()
            .find(|c| c.is_default)
        else {
            continue;
        };
        let key = Objects::new_key(org, corpus.corpus_id);
        objects.put(&key, bytes::Bytes::from_static(content.as_bytes())).await?;
        let format = crate::indexing::parse::detect(file, None).unwrap_or("text");
        store
            .create_document(&NewDocument {
                organization_id: org,
                corpus_id: corpus.corpus_id,
                content_type: "file".into(),
                source: file.into(),
                title: file.into(),
                format: format.into(),
                size_bytes: content.len() as i64,
                content_hash: content_hash(content.as_bytes()),
                object_key: key,
                upload_from: "seed".into(),
                attachment: false,
                tags: vec!["demo".into()],
                etag: None,
                last_modified: None,
                chunk_sizing: None,
                uploaded_by_id: admin.id,
                uploaded_by: admin.email.clone(),
            })
            .await?;
    }
    Ok(())
}

/// A demo agent: (project, name, description, system prompt, starters, tags, access).
type DemoAgent = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [&'static str; 3],
    &'static [&'static str],
    &'static str,
);

const DEMO_AGENTS: [DemoAgent; 5] = [
    (
        "Help Center",
        "Billing Helper",
        "Answers customers' questions about invoices, refunds and payment methods.",
        "You are Northwind's billing assistant. Answer only from the billing policies in your corpus, cite the policy \
         you used, and say plainly when the policies do not cover a question. Never promise refunds; explain the process.",
        [
            "How do I get a copy of my invoice?",
            "What is the refund policy for annual plans?",
            "Which payment methods do you accept?",
        ],
        &["billing", "customers"],
        "Public",
    ),
    (
        "Help Center",
        "Onboarding Guide",
        "Walks new customers through setting up their first workspace.",
        "You guide new customers through onboarding step by step. Keep answers short, number the steps, and link the \
         relevant help article from your corpus.",
        [
            "How do I invite my team?",
            "Where do I connect my data sources?",
            "What should I set up first?",
        ],
        &["onboarding", "customers"],
        "Public",
    ),
    (
        "Literature Review",
        "Paper Scout",
        "Finds and summarises research papers in the lab's reading list.",
        "You help researchers find papers in the lab's reading list. For each answer, list the matching papers with \
         title, year and one sentence on why it is relevant, citing the corpus.",
        [
            "Which papers compare BM25 with dense retrieval?",
            "Summarise the reading list on evaluation metrics.",
            "What is new since 2024 on RAG?",
        ],
        &["research", "papers"],
        "Private",
    ),
    (
        "Experiment Notes",
        "Lab Notebook",
        "Answers questions about past experiments and their results.",
        "You answer questions about the lab's experiment notes. Quote the exact numbers from the notes and the date of \
         the run. If two runs disagree, show both.",
        [
            "What was the best recall@10 last quarter?",
            "Which chunk size worked best?",
            "When did we last change the tokenizer?",
        ],
        &["research", "experiments"],
        "Private",
    ),
    (
        "Quarterly Close",
        "Close Checklist",
        "Keeps the finance team on track during the quarterly close.",
        "You are the finance team's close assistant. Answer from the close checklist and accounting policies; always \
         name the owner and the deadline of each task.",
        [
            "What is left before the books close?",
            "Who approves accrual adjustments?",
            "When are expense reports due?",
        ],
        &["finance"],
        "Private",
    ),
];

/// Teams, projects and agents of the demo organization, created once.
async fn seed_structure(store: &Store, objects: &Objects) -> Result<()> {
    let admin = store
        .find_user_by_email(&Email::parse(DEMO_USERS[0].0).expect("valid"))
        .await?;
    let Some(admin) = admin else { return Ok(()) };
    let org = admin.organization_id;
    let (_, existing) = store
        .list_teams(
            org,
            admin.id,
            false,
            None,
            crate::store::TEAM_SORT.default,
            PageRequest::new(Some(1), Some(1)),
        )
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let mut people: Vec<UserRow> = Vec::new();
    for (email, ..) in DEMO_USERS {
        if let Some(u) = store.find_user_by_email(&Email::parse(email).expect("valid")).await? {
            people.push(u);
        }
    }
    let id_of = |email: &str| people.iter().find(|u| u.email == email).map(|u| u.id);
    let by = admin.email.as_str();
    let teams = [
        (
            "Customer Support",
            "Answers customers every day.",
            "support@northwind.example",
            ["builder@northwind.example"],
        ),
        (
            "Research",
            "Papers, experiments and the lab's notes.",
            "analyst@northwind.example",
            ["builder@northwind.example"],
        ),
        (
            "Finance",
            "Closing the books and paying the bills.",
            "builder@northwind.example",
            ["analyst@northwind.example"],
        ),
    ];
    let projects = [
        ("Help Center", "Customer Support", "Self-service answers for customers."),
        ("Literature Review", "Research", "The lab's reading list."),
        ("Experiment Notes", "Research", "Results of past runs."),
        ("Quarterly Close", "Finance", "The close checklist and policies."),
    ];
    for (name, description, lead, members) in teams {
        let team = store.create_team(org, name, description, by, admin.id).await?;
        if let Some(lead) = id_of(lead) {
            store
                .upsert_members(MemberTable::Team, team, &[lead], ResourceRole::Admin, None)
                .await?;
        }
        let members: Vec<i64> = members.iter().filter_map(|m| id_of(m)).collect();
        store
            .upsert_members(MemberTable::Team, team, &members, ResourceRole::Member, None)
            .await?;
        for (project, team_name, about) in projects {
            if team_name == name {
                store
                    .create_project(org, Some(team), project, about, by, admin.id)
                    .await?;
            }
        }
    }
    let types = store.agent_types(org).await?;
    let llm = store
        .llm_configurations(org)
        .await?
        .into_iter()
        .find(|l| l.is_default)
        .map(|l| l.id);
    let (all_projects, _) = store
        .list_projects(
            org,
            admin.id,
            &ProjectFilter::default(),
            crate::store::PROJECT_SORT.default,
            PageRequest::new(Some(1), Some(100)),
        )
        .await?;
    let mut agents: Vec<(i64, &str)> = Vec::new();
    for (project, name, description, prompt, starters, tags, access) in DEMO_AGENTS {
        let Some(project) = all_projects.iter().find(|p| p.name == project) else {
            continue;
        };
        let qna = &types[0];
        let config = AgentConfig {
            agent_name: name.into(),
            domain: description.into(),
            industry_area: String::new(),
            prefix_prompt: prompt.into(),
            instructions: vec![
                "Cite the source of every fact.".into(),
                "Answer in the language of the question.".into(),
            ],
            sample_q1: starters[0].into(),
            sample_q2: starters[1].into(),
            sample_q3: starters[2].into(),
            agent_type_id: qna.id,
            agent_type: qna.name.clone(),
            access: access.into(),
            status: "Live".into(),
            is_active: true,
            llm_config_id: llm,
            caching_enabled: false,
            react_enabled: false,
            react_max_iteration_count: 10,
            reasoning_mode: "standard".into(),
            chunk_count: 8,
            retrieval_mode: Default::default(),
            min_relevance_pct: 0,
            model_choice: false,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            agent_image: crate::routes::avatar_svg(&format!("{name} {description}"), name),
        };
        agents.push((
            store.create_agent(org, project.id, admin.id, by, &config, None).await?,
            name,
        ));
    }
    // Personal data is redacted from every question and answer, as most organizations want.
    let who = crate::store::audit::AuditEntry {
        organization_id: org,
        actor_id: admin.id,
        actor: by,
        action: "guardrail.create",
        resource_type: "guardrail",
        summary: "Created the guardrail “Personal data” (demo data)".into(),
    };
    store
        .create_guardrail(
            org,
            &crate::store::GuardrailFields {
                agent_id: None,
                name: "Personal data",
                description: "Redacts e-mail addresses, phone numbers, payment cards, IBANs and national ids.",
                guardrail_type: "pii",
                applies_to: "both",
                action: "redact",
                config: &ejento_api::GuardrailConfig::default(),
                is_enabled: true,
            },
            &who,
        )
        .await?;
    seed_documents(store, objects, org, &admin, &agents).await
}

/// Answered questions the demo organization starts with, so analytics has something to show.
pub const DEMO_HISTORY: u64 = 5_000;

/// Gives the demo organization its 90 days of history, once (when it has answered nothing yet).
pub async fn ensure_demo_history(store: &Store, responses: u64) -> Result<u64> {
    let org = demo_organization(store).await?;
    if store.total_counts(org).await?.queries > 0 {
        return Ok(0);
    }
    history::generate(store, org, responses, 2026).await
}

/// The demo organization's id (after `seed_demo`).
pub async fn demo_organization(store: &Store) -> Result<i64> {
    let email = Email::parse(DEMO_USERS[0].0).expect("demo e-mails are valid");
    store
        .find_user_by_email(&email)
        .await?
        .map(|u| u.organization_id)
        .ok_or_else(|| crate::error::Error::not_found("Demo organization"))
}

pub fn print_demo_logins() {
    println!("Demo sign-ins (password for all: {DEMO_PASSWORD}):");
    for (email, first, last, role) in DEMO_USERS {
        println!("  {email:<28} {first} {last} ({})", role.as_str());
    }
}
