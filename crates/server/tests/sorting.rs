//! Every list sorts by each of its own fields, both ways, and refuses any other field with a 422
//! that names the fields it has (a field of another list used to reach SQL as a missing column).

mod common;

use common::TestApp;
use serde_json::Value;

/// The items of a list answer, wherever the list puts them.
fn items(data: &Value) -> Vec<Value> {
    match data {
        Value::Array(items) => items.clone(),
        Value::Object(fields) => fields
            .values()
            .find_map(|v| v.as_array().filter(|a| a.iter().all(Value::is_object)).cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

both_backends!(
    every_list_sorts_by_its_own_fields_and_refuses_others,
    |app: TestApp| async move {
        let (token, _, _) = app.member("sol@example.com", "Sol Sorter").await;
        for name in ["Beta", "Alpha"] {
            app.agent_in_new_project(&token, name).await;
        }
        let agent = app.agent_in_new_project(&token, "Gamma").await;
        let corpus = app.agent_corpus(&token, agent).await;
        for title in ["b.txt", "a.txt"] {
            app.upload_file(corpus, &token, title, format!("Words of {title}.").into_bytes())
                .await;
        }
        let documents = format!("/api/v2/corpora/{corpus}/documents");
        let lists: [(&str, &str, &[&str]); 5] = [
            ("/api/v2/teams", "name", &["name", "created_on", "modified_on"]),
            ("/api/v2/projects", "name", &["name", "created_on", "modified_on"]),
            (
                "/api/v2/agents",
                "agent_name",
                &["agent_name", "created_on", "modified_on"],
            ),
            ("/api/v2/corpora", "name", &["name", "created_on", "modified_on"]),
            (&documents, "title", &["title", "created_on", "size_bytes", "step"]),
        ];
        for (path, label, fields) in lists {
            for field in fields {
                let mut orders = Vec::new();
                for sort in [field.to_string(), format!("-{field}")] {
                    let data = app.ok("GET", &format!("{path}?sort={sort}"), &token, None).await;
                    let names: Vec<String> = items(&data)
                        .iter()
                        .map(|i| i[label].as_str().unwrap_or_default().to_string())
                        .collect();
                    assert!(names.len() >= 2, "{path}?sort={sort}: {data}");
                    orders.push(names);
                }
                if field == &label {
                    let mut sorted = orders[0].clone();
                    sorted.sort();
                    assert_eq!(orders[0], sorted, "{path} by {field}");
                    let mut reversed = orders[1].clone();
                    reversed.reverse();
                    assert_eq!(orders[0], reversed, "{path} by -{field}");
                }
            }
            for unknown in ["agent_name", "name", "id; DROP TABLE users", "-password_hash"] {
                if fields.contains(&unknown) {
                    continue;
                }
                let (status, body) = app.call("GET", &format!("{path}?sort={unknown}"), &token, None).await;
                assert_eq!(status, 422, "{path}?sort={unknown}: {body}");
                let message = body["errors"]["sort"][0].as_str().unwrap_or_default();
                assert!(
                    message.starts_with(&format!("This list sorts by {}", fields.join(", "))),
                    "{path}: {body}"
                );
            }
        }
    }
);
