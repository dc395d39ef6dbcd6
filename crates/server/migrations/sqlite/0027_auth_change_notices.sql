-- (PostgreSQL announces changes to sign-ins to every replica here; SQLite has one server, which
-- forgets the sign-ins it kept itself when it changes them. Kept so both lists stay in step.)
SELECT 1;
