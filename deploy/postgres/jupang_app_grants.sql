-- The least-privilege role the Jupang binaries run as in production: jupang_app.
--
-- Run it as the role that owns the schema (the one `jupang migrate up` runs as), after every
-- migration, against the application database:
--
--     jupang migrate up                                   # as the migration role
--     psql "$MIGRATION_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/postgres/jupang_app_grants.sql
--     psql "$MIGRATION_DATABASE_URL" -c "ALTER ROLE jupang_app PASSWORD '…'"   # once, from your secret store
--
-- and start the binaries with database.url naming jupang_app and database.auto_migrate=false. It is
-- idempotent: running it again after a migration grants the new tables.
--
-- jupang_app reads and writes every table, except that the append-only audit tables
-- (inventory_audits, wallet_ledger) accept only INSERT and SELECT, and the migration bookkeeping
-- (goose_db_version) only SELECT. It owns nothing, so it cannot ALTER, DROP or TRUNCATE, disable
-- the forbid_update_delete triggers, or run migrations. See docs/inventory-consistency.md.

DO $$
BEGIN
    CREATE ROLE jupang_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object THEN
    NULL; -- created by an earlier run (roles belong to the cluster)
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO jupang_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO jupang_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO jupang_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jupang_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO jupang_app;

-- Facts are never rewritten: the grants refuse UPDATE and DELETE before the trigger would.
REVOKE UPDATE, DELETE, TRUNCATE ON inventory_audits, wallet_ledger FROM jupang_app;
-- The application never migrates.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON goose_db_version FROM jupang_app;
