-- Identity: people (customers and staff), their roles, partner OAuth clients, refresh tokens and
-- the JWT signing keys published at /.well-known/jwks.json.

-- +goose Up
CREATE TABLE users (
    id              uuid        PRIMARY KEY,
    email           text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    password_hash   text        NOT NULL CHECK (password_hash <> ''),   -- argon2id/bcrypt encoded string, never the password
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    phone           text        CHECK (phone IS NULL OR length(phone) BETWEEN 6 AND 32),  -- staff may have none
    default_address jsonb       CHECK (default_address IS NULL OR jsonb_typeof(default_address) = 'object'),
    status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'LOCKED', 'DISABLED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- serves: sign-up's EMAIL_TAKEN check (any letter case) and the password grant's lookup by email
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE user_roles (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('Customer', 'Support', 'Inventory', 'Marketing', 'Admin')),
    granted_by uuid        REFERENCES users (id),                        -- NULL: seed or sign-up
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role)                                          -- serves: roles of a user at token issue and GET /v1/me
);
-- serves: "who holds role X" (admins to notify, the second approver of a setting change)
CREATE INDEX user_roles_role_idx ON user_roles (role, user_id);

CREATE TABLE oauth_clients (
    id               uuid        PRIMARY KEY,
    client_id        text        NOT NULL CHECK (client_id ~ '^[A-Za-z0-9._-]{3,64}$'),
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash      text        NOT NULL CHECK (secret_hash <> ''),   -- client_credentials secret, argon2id/bcrypt encoded
    hmac_key         bytea       NOT NULL CHECK (octet_length(hmac_key) > 0), -- key for X-Jupang-Signature; needed in usable
                                                                       -- form, so the app encrypts it at rest (never logged)
    cert_subject     text        NOT NULL CHECK (cert_subject <> ''),  -- client certificate CN/SAN that must match the token's client
    roles            text[]      NOT NULL DEFAULT ARRAY['External']::text[] CHECK (roles <@ ARRAY['External']::text[]),
    subscribed_types text[]      NOT NULL DEFAULT '{}',               -- event types fanned out to this partner; empty = all
    status           text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT oauth_clients_client_id_key UNIQUE (client_id)          -- serves: client_credentials grant lookup by client_id
);

CREATE TABLE refresh_tokens (
    id          uuid        PRIMARY KEY,
    token_hash  bytea       NOT NULL CHECK (octet_length(token_hash) = 32),   -- sha256 of the opaque token
    family_id   uuid        NOT NULL,                                         -- every rotation of one login shares it
    parent_id   uuid        REFERENCES refresh_tokens (id) ON DELETE SET NULL,  -- the token this one replaced
    user_id     uuid        REFERENCES users (id) ON DELETE CASCADE,
    client_id   uuid        REFERENCES oauth_clients (id) ON DELETE CASCADE,
    audience    text        NOT NULL CHECK (audience IN ('storefront', 'admin', 'partner')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,                                                  -- set once when rotated; a second use is reuse
    revoked_at  timestamptz,
    revoke_reason text      CHECK (revoke_reason IS NULL OR revoke_reason IN ('REUSE_DETECTED', 'LOGOUT', 'USER_DISABLED', 'ADMIN')),
    CHECK (num_nonnulls(user_id, client_id) = 1),
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL)),
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)              -- serves: refresh_token grant lookup by hash
);
-- serves: reuse detection, "revoke the whole family" UPDATE ... WHERE family_id = $1
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
-- serves: revoking every token of a user (disable, password change)
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id) WHERE user_id IS NOT NULL;
-- serves: revoking every token of a partner client
CREATE INDEX refresh_tokens_client_id_idx ON refresh_tokens (client_id) WHERE client_id IS NOT NULL;
-- serves: the sweeper's DELETE ... WHERE expires_at < now()
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    kid          text        PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9._-]{1,64}$'),
    algorithm    text        NOT NULL CHECK (algorithm IN ('EdDSA', 'RS256')),
    public_jwk   jsonb       NOT NULL CHECK (jsonb_typeof(public_jwk) = 'object'),
    private_key  bytea       NOT NULL CHECK (octet_length(private_key) > 0),  -- encrypted at rest by the app (PEM in dev)
    status       text        NOT NULL CHECK (status IN ('NEXT', 'ACTIVE', 'RETIRED')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    retired_at   timestamptz,
    verify_until timestamptz,                                  -- RETIRED keys stay in the JWKS until tokens they signed expire
    CHECK (status = 'NEXT' OR activated_at IS NOT NULL),
    CHECK (status <> 'RETIRED' OR (retired_at IS NOT NULL AND verify_until IS NOT NULL))
);
-- serves: "the key that signs now"; also guarantees at most one ACTIVE signer fleet-wide
CREATE UNIQUE INDEX signing_keys_one_active_key ON signing_keys (status) WHERE status = 'ACTIVE';

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE oauth_clients;
DROP TABLE user_roles;
DROP TABLE users;
