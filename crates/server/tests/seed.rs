//! The demo organization: believable, complete, and created once however often seeding runs.

use ejento_server::{Application, Config, seed};
use serde_json::Value;

#[tokio::test]
async fn demo_data_is_complete_and_seeding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display()));
    config.object_store = dir.path().join("objects").display().to_string();
    config.index_dir = dir.path().join("index");
    config.parse_program = Some(env!("CARGO_BIN_EXE_ejento-server").into());
    let app = Application::build(config).await.unwrap();
    let (store, objects) = (app.state().store.clone(), app.state().objects.clone());
    assert_eq!(seed::seed_demo(&store, &objects).await.unwrap(), 4);
    assert_eq!(
        seed::seed_demo(&store, &objects).await.unwrap(),
        0,
        "the second run creates nothing"
    );
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = |email: &'static str| {
        let client = client.clone();
        let url = format!("{base}/auth-service/api/v2/login/access-token");
        async move {
            let res: Value = client
                .post(url)
                .json(&serde_json::json!({"username": email, "password": seed::DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            res["data"]["ejento_access_token"]
                .as_str()
                .expect("demo login works")
                .to_string()
        }
    };
    let get = |token: String, path: &'static str| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["data"]
                .clone()
        }
    };
    let admin = login("admin@northwind.example").await;
    assert_eq!(get(admin.clone(), "/api/v2/teams").await["meta"]["count"], 3);
    assert_eq!(get(admin.clone(), "/api/v2/projects").await["meta"]["count"], 4);
    let agents = get(admin.clone(), "/api/v2/agents").await;
    assert_eq!(agents["meta"]["count"], 5);
    // Personal data is redacted in the demo organization: its dry-run shows it.
    let dry_run = client
        .post(format!("{base}/api/v2/guardrails/apply"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"text": "Mail jo@northwind.example"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(dry_run["data"]["text"], "Mail [EMAIL]", "{dry_run}");
    for agent in agents["agents"].as_array().unwrap() {
        assert!(
            agent["prefix_prompt"].as_str().unwrap().len() > 50,
            "a real prompt: {agent}"
        );
        assert!(!agent["sample_q1"].as_str().unwrap().is_empty());
    }
    // Roles differ: the support lead sees the public agents and their team's, not Research's private ones.
    let support = login("support@northwind.example").await;
    let seen = get(support, "/api/v2/agents").await;
    let names: Vec<&str> = seen["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agent_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing Helper", "Onboarding Guide"]);
    // The demo corpora hold real documents, indexed by the server's workers.
    let corpora = get(admin.clone(), "/api/v2/corpora?search=Billing").await;
    let billing = corpora["corpora"][0]["id"].as_i64().unwrap();
    let mut indexed = 0;
    for _ in 0..300 {
        let c = client
            .get(format!("{base}/api/v2/corpora/{billing}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        indexed = c["data"]["indexing"]["indexed"].as_i64().unwrap();
        if indexed == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(indexed, 2, "both billing documents are indexed");
    let found: Value = client
        .post(format!("{base}/api/v2/corpora/{billing}/retrieval-test"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"query": "who approves a refund"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["data"]["chunks"][0]["document_title"], "refund-policy.md",
        "{found}"
    );
}
