package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jupang/jupang/core/identity"
	"github.com/jupang/jupang/core/kernel"
)

// IdentityStores builds identity.Stores on q (tables of 00002_identity.sql).
func IdentityStores(q Querier) identity.Stores {
	return identity.Stores{Users: &Users{q}, Clients: &Clients{q}, HMACKeys: &HMACKeys{q}, RefreshTokens: &RefreshTokens{q}, Outbox: NewOutbox(q)}
}

// Users is identity.Users on tables users and user_roles.
type Users struct{ q Querier }

// addressJSON is the stored shape of users.default_address.
type addressJSON struct {
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type userRow struct {
	ID             string         `db:"id"`
	Email          string         `db:"email"`
	PasswordHash   string         `db:"password_hash"`
	Name           string         `db:"name"`
	Phone          sql.NullString `db:"phone"`
	DefaultAddress []byte         `db:"default_address"`
	Status         string         `db:"status"`
	Roles          string         `db:"roles"` // JSON array
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

func (r userRow) user() (identity.User, error) {
	u := identity.User{ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, Name: r.Name, Phone: r.Phone.String,
		Status: identity.UserStatus(r.Status), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.Roles), &u.Roles); err != nil {
		return identity.User{}, fmt.Errorf("user roles: %w", err)
	}
	if len(r.DefaultAddress) > 0 {
		var a addressJSON
		if err := json.Unmarshal(r.DefaultAddress, &a); err != nil {
			return identity.User{}, fmt.Errorf("user default_address: %w", err)
		}
		u.DefaultAddress = &identity.Address{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
			City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
	}
	return u, nil
}

const userSelect = `
	SELECT u.id, u.email, u.password_hash, u.name, u.phone, u.default_address, u.status, u.created_at, u.updated_at,
	       COALESCE((SELECT json_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]')::text AS roles
	  FROM users u`

// Create implements identity.Users.
func (s *Users) Create(ctx context.Context, u identity.User) error {
	var addr []byte
	if a := u.DefaultAddress; a != nil {
		var err error
		if addr, err = json.Marshal(addressJSON{Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
			City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}); err != nil {
			return err
		}
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO users (id, email, password_hash, name, phone, default_address, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6::jsonb, $7, $8, $9)`,
		u.ID, u.Email, u.PasswordHash, u.Name, u.Phone, nullJSON(addr), string(u.Status), u.CreatedAt, u.UpdatedAt)
	if IsUniqueViolation(err, "users_email_lower_key") {
		return identity.ErrEmailTaken
	}
	if err != nil {
		return err
	}
	for _, r := range u.Roles {
		if _, err := s.q.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3)`,
			u.ID, string(r), u.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// ByID implements identity.Users.
func (s *Users) ByID(ctx context.Context, id string) (identity.User, error) {
	if !kernel.IsID(id) {
		return identity.User{}, identity.ErrUserNotFound
	}
	return s.one(ctx, userSelect+` WHERE u.id = $1`, id)
}

// ByEmail implements identity.Users; lower(email) uses the users_email_lower_key index.
func (s *Users) ByEmail(ctx context.Context, email string) (identity.User, error) {
	return s.one(ctx, userSelect+` WHERE lower(u.email) = lower($1)`, strings.TrimSpace(email))
}

func (s *Users) one(ctx context.Context, query string, arg any) (identity.User, error) {
	var row userRow
	err := s.q.GetContext(ctx, &row, query, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.User{}, identity.ErrUserNotFound
	}
	if err != nil {
		return identity.User{}, err
	}
	return row.user()
}

// Clients is identity.Clients on table oauth_clients.
type Clients struct{ q Querier }

type clientRow struct {
	ID              string    `db:"id"`
	ClientID        string    `db:"client_id"`
	Name            string    `db:"name"`
	SecretHash      string    `db:"secret_hash"`
	CertSubject     string    `db:"cert_subject"`
	Roles           string    `db:"roles"`            // JSON array
	SubscribedTypes string    `db:"subscribed_types"` // JSON array
	Status          string    `db:"status"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

const clientSelect = `
	SELECT id, client_id, name, secret_hash, cert_subject, array_to_json(roles)::text AS roles,
	       array_to_json(subscribed_types)::text AS subscribed_types, status, created_at, updated_at
	  FROM oauth_clients`

// Create implements identity.Clients.
func (s *Clients) Create(ctx context.Context, c identity.Client) error {
	roles := make([]string, len(c.Roles))
	for i, r := range c.Roles {
		roles[i] = string(r)
	}
	types := c.SubscribedTypes
	if types == nil {
		types = []string{}
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO oauth_clients (id, client_id, name, secret_hash, cert_subject, roles, subscribed_types,
		                           status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.ClientID, c.Name, c.SecretHash, c.CertSubject, roles, types, string(c.Status), c.CreatedAt, c.UpdatedAt)
	if IsUniqueViolation(err, "oauth_clients_client_id_key") {
		return identity.ErrClientIDTaken
	}
	return err
}

// ByID implements identity.Clients.
func (s *Clients) ByID(ctx context.Context, id string) (identity.Client, error) {
	if !kernel.IsID(id) {
		return identity.Client{}, identity.ErrClientNotFound
	}
	return s.one(ctx, clientSelect+` WHERE id = $1`, id)
}

// ByClientID implements identity.Clients.
func (s *Clients) ByClientID(ctx context.Context, clientID string) (identity.Client, error) {
	return s.one(ctx, clientSelect+` WHERE client_id = $1`, clientID)
}

func (s *Clients) one(ctx context.Context, query string, arg any) (identity.Client, error) {
	var row clientRow
	err := s.q.GetContext(ctx, &row, query, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.Client{}, identity.ErrClientNotFound
	}
	if err != nil {
		return identity.Client{}, err
	}
	c := identity.Client{ID: row.ID, ClientID: row.ClientID, Name: row.Name, SecretHash: row.SecretHash,
		CertSubject: row.CertSubject, Status: identity.ClientStatus(row.Status),
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	if err := json.Unmarshal([]byte(row.Roles), &c.Roles); err != nil {
		return identity.Client{}, fmt.Errorf("client roles: %w", err)
	}
	if err := json.Unmarshal([]byte(row.SubscribedTypes), &c.SubscribedTypes); err != nil {
		return identity.Client{}, fmt.Errorf("client subscribed_types: %w", err)
	}
	return c, nil
}

// HMACKeys is identity.HMACKeys on table partner_hmac_keys.
type HMACKeys struct{ q Querier }

type hmacKeyRow struct {
	ID        string       `db:"id"`
	ClientID  string       `db:"client_id"`
	Secret    []byte       `db:"secret"`
	CreatedAt time.Time    `db:"created_at"`
	RetiresAt sql.NullTime `db:"retires_at"`
}

// Add implements identity.HMACKeys.
func (s *HMACKeys) Add(ctx context.Context, k identity.HMACKey) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO partner_hmac_keys (id, client_id, secret, created_at, retires_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.ClientID, k.Secret, k.CreatedAt, k.RetiresAt)
	return err
}

// OfClient implements identity.HMACKeys.
func (s *HMACKeys) OfClient(ctx context.Context, clientID string) ([]identity.HMACKey, error) {
	if !kernel.IsID(clientID) {
		return nil, nil
	}
	var rows []hmacKeyRow
	err := s.q.SelectContext(ctx, &rows, `
		SELECT id, client_id, secret, created_at, retires_at FROM partner_hmac_keys
		 WHERE client_id = $1 ORDER BY created_at DESC, id DESC`, clientID)
	if err != nil {
		return nil, err
	}
	out := make([]identity.HMACKey, len(rows))
	for i, r := range rows {
		out[i] = identity.HMACKey{ID: r.ID, ClientID: r.ClientID, Secret: r.Secret, CreatedAt: r.CreatedAt, RetiresAt: timePtr(r.RetiresAt)}
	}
	return out, nil
}

// Lock implements identity.HMACKeys. It locks the client's row, then reads the keys in a second
// statement, whose fresh snapshot (READ COMMITTED) sees the key a rotation that held the lock
// before it added; locking the key rows alone would miss that one.
func (s *HMACKeys) Lock(ctx context.Context, clientID string) ([]identity.HMACKey, error) {
	if !kernel.IsID(clientID) {
		return nil, nil
	}
	if _, err := s.q.ExecContext(ctx, `SELECT 1 FROM oauth_clients WHERE id = $1 FOR UPDATE`, clientID); err != nil {
		return nil, err
	}
	return s.OfClient(ctx, clientID)
}

// Retire implements identity.HMACKeys.
func (s *HMACKeys) Retire(ctx context.Context, id string, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE partner_hmac_keys SET retires_at = $2 WHERE id = $1`, id, at)
	return err
}

// Delete implements identity.HMACKeys.
func (s *HMACKeys) Delete(ctx context.Context, id string) error {
	_, err := s.q.ExecContext(ctx, `DELETE FROM partner_hmac_keys WHERE id = $1`, id)
	return err
}

// RefreshTokens is identity.RefreshTokens on table refresh_tokens.
type RefreshTokens struct{ q Querier }

type refreshRow struct {
	ID           string         `db:"id"`
	TokenHash    []byte         `db:"token_hash"`
	FamilyID     string         `db:"family_id"`
	ParentID     sql.NullString `db:"parent_id"`
	UserID       sql.NullString `db:"user_id"`
	Audience     string         `db:"audience"`
	CreatedAt    time.Time      `db:"created_at"`
	ExpiresAt    time.Time      `db:"expires_at"`
	UsedAt       sql.NullTime   `db:"used_at"`
	RevokedAt    sql.NullTime   `db:"revoked_at"`
	RevokeReason sql.NullString `db:"revoke_reason"`
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// Create implements identity.RefreshTokens.
func (s *RefreshTokens) Create(ctx context.Context, t identity.RefreshToken) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO refresh_tokens (id, token_hash, family_id, parent_id, user_id, audience, created_at, expires_at)
		VALUES ($1, $2, $3, NULLIF($4, '')::uuid, $5, $6, $7, $8)`,
		t.ID, t.Hash[:], t.FamilyID, t.ParentID, t.UserID, string(t.Audience), t.CreatedAt, t.ExpiresAt)
	return err
}

// ByHash implements identity.RefreshTokens.
func (s *RefreshTokens) ByHash(ctx context.Context, hash [32]byte) (identity.RefreshToken, error) {
	var r refreshRow
	err := s.q.GetContext(ctx, &r, `
		SELECT id, token_hash, family_id, parent_id, user_id, audience, created_at, expires_at, used_at, revoked_at, revoke_reason
		  FROM refresh_tokens WHERE token_hash = $1`, hash[:])
	if errors.Is(err, sql.ErrNoRows) {
		return identity.RefreshToken{}, identity.ErrRefreshTokenNotFound
	}
	if err != nil {
		return identity.RefreshToken{}, err
	}
	t := identity.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, ParentID: r.ParentID.String, UserID: r.UserID.String,
		Audience: kernel.Audience(r.Audience), CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		UsedAt: timePtr(r.UsedAt), RevokedAt: timePtr(r.RevokedAt), RevokeReason: identity.RevokeReason(r.RevokeReason.String)}
	copy(t.Hash[:], r.TokenHash)
	return t, nil
}

// MarkUsed implements identity.RefreshTokens with one conditional UPDATE: a concurrent redeemer
// blocks on the row lock, then finds used_at set and updates nothing.
func (s *RefreshTokens) MarkUsed(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `
		UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL`, id, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RevokeFamily implements identity.RefreshTokens.
func (s *RefreshTokens) RevokeFamily(ctx context.Context, familyID string, reason identity.RevokeReason, at time.Time) (int, error) {
	res, err := s.q.ExecContext(ctx, `
		UPDATE refresh_tokens SET revoked_at = $2, revoke_reason = $3 WHERE family_id = $1 AND revoked_at IS NULL`,
		familyID, at, string(reason))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpired implements identity.RefreshTokens.
func (s *RefreshTokens) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := s.q.ExecContext(ctx, `
		DELETE FROM refresh_tokens WHERE id IN (
			SELECT id FROM refresh_tokens WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
