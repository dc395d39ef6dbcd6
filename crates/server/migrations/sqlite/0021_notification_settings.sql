-- Which kinds of notification a person turned off (a kind without a row is on). Messages from
-- administrators always arrive.
CREATE TABLE notification_settings (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    modified_on TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
