-- When each API key was last presented (updated at most once a minute per key).
ALTER TABLE api_keys ADD COLUMN last_used_on TEXT;
