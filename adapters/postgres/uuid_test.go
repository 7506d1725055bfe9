package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/jupang/jupang/adapters/postgres/pgtest"
)

// Ids passed as strings are encoded in binary on the pool's connections (pgx alone has no binary
// plan for them and fails one per parameter before falling back to text), reach uuid and uuid[]
// parameters whole, and a string that is no UUID is still PostgreSQL's invalid_text_representation.
func TestUUIDParametersFromStrings(t *testing.T) {
	db := pgtest.DB(t)
	ctx := context.Background()
	const a, b = "0193ab12-0000-7000-8000-00000000000a", "0193AB12-0000-7000-8000-00000000000B"
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().TypeMap().Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, []string{a, b}, nil)
		return err
	})
	_ = conn.Close()
	if err != nil {
		t.Fatalf("uuid[] from strings in binary: %v", err)
	}
	var got []string
	if err := db.SelectContext(ctx, &got, `SELECT u::text FROM unnest($1::uuid[]) u UNION ALL SELECT $2::uuid::text`,
		[]string{a, b}, b); err != nil {
		t.Fatal(err)
	}
	want := []string{a, "0193ab12-0000-7000-8000-00000000000b", "0193ab12-0000-7000-8000-00000000000b"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("got %v, want %v", got, want)
	}
	var one int
	err = db.GetContext(ctx, &one, `SELECT 1 WHERE $1::uuid IS NOT NULL`, "not-a-uuid")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" {
		t.Fatalf("a string that is no UUID: %v, want SQLSTATE 22P02", err)
	}
}
