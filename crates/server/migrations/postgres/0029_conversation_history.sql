-- A person's conversations across agents, newest activity first (GET /api/v2/users/me/chat-threads).
CREATE INDEX chat_threads_user_activity ON chat_threads(user_id, is_deleted, modified_on);
