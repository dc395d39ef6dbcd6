-- Every replica keeps the sign-ins it recently found alive (store/callers.rs). A change to what
-- they depend on is announced to all of them on the `ejento_auth` channel when it commits,
-- whichever code made it: users (role, activity, names, password, deletion), organizations
-- (their name) and sign-ins (revocation). PostgreSQL folds identical notices of one transaction.
CREATE FUNCTION ejento_auth_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('ejento_auth', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION ejento_auth_changed();
CREATE TRIGGER organizations_auth_changed AFTER UPDATE OR DELETE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION ejento_auth_changed();
CREATE TRIGGER refresh_tokens_auth_changed AFTER UPDATE OF revoked_on OR DELETE ON refresh_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ejento_auth_changed();
