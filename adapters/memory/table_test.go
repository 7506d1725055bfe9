package memory

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
)

type tableRow struct {
	ID    string
	User  string
	Score int
}

var (
	rowsByUser = &Index[tableRow]{
		Group: func(r tableRow) string { return r.User },
		Order: func(a, b tableRow) int { return cmp.Compare(a.Score, b.Score) },
	}
	rowsPositive = &Index[tableRow]{
		Order: func(a, b tableRow) int { return cmp.Compare(a.Score, b.Score) },
		Where: func(r tableRow) bool { return r.Score > 0 },
	}
)

// writable returns an empty table that may be written in place.
func writable() *Table[string, tableRow] {
	return newTable(strings.Compare, rowsByUser, rowsPositive).clone()
}

func ids(seq func(yield func(string, tableRow) bool)) []string {
	var out []string
	for id := range seq {
		out = append(out, id)
	}
	return out
}

func TestTableIndexesFollowPutAndDelete(t *testing.T) {
	tb := writable()
	tb.Put("a", tableRow{ID: "a", User: "u1", Score: 3})
	tb.Put("b", tableRow{ID: "b", User: "u1", Score: 1})
	tb.Put("c", tableRow{ID: "c", User: "u2", Score: 2})
	tb.Put("d", tableRow{ID: "d", User: "u1", Score: 3}) // level with a: primary key breaks the tie
	if got := ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u1"})); !slices.Equal(got, []string{"b", "a", "d"}) {
		t.Fatalf("u1 ascending = %v", got)
	}
	// Moving a row to another group and another score moves its index entries.
	tb.Put("a", tableRow{ID: "a", User: "u2", Score: 0})
	if got := ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u1"})); !slices.Equal(got, []string{"b", "d"}) {
		t.Fatalf("u1 after the move = %v", got)
	}
	if got := ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u2"})); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("u2 after the move = %v", got)
	}
	// The partial index holds only positive scores.
	if got := ids(tb.Ascend(rowsPositive, Seek[tableRow]{})); !slices.Equal(got, []string{"b", "c", "d"}) {
		t.Fatalf("positive = %v", got)
	}
	tb.Delete("d")
	tb.Delete("missing")
	if got := ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u1"})); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("u1 after delete = %v", got)
	}
	if got := ids(tb.Ascend(rowsPositive, Seek[tableRow]{})); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("positive after delete = %v", got)
	}
	if _, ok := tb.Get("d"); ok || tb.Len() != 3 {
		t.Fatalf("after delete: len %d", tb.Len())
	}
}

func TestTableSeeks(t *testing.T) {
	tb := writable()
	for i, score := range []int{10, 20, 20, 30} {
		id := fmt.Sprint("r", i)
		tb.Put(id, tableRow{ID: id, User: "u", Score: score})
	}
	tb.Put("other", tableRow{ID: "other", User: "v", Score: 20})
	at := func(score int) *tableRow { return &tableRow{Score: score} }
	cases := []struct {
		name string
		got  []string
		want []string
	}{
		{"ascend from the start", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u"})), []string{"r0", "r1", "r2", "r3"}},
		{"ascend at 20", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(20)})), []string{"r1", "r2", "r3"}},
		{"ascend past 20", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(20), Past: true})), []string{"r3"}},
		{"ascend at 15", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(15)})), []string{"r1", "r2", "r3"}},
		{"ascend past the end", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(30), Past: true})), nil},
		{"descend from the end", ids(tb.Descend(rowsByUser, Seek[tableRow]{Group: "u"})), []string{"r3", "r2", "r1", "r0"}},
		{"descend at 20", ids(tb.Descend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(20)})), []string{"r2", "r1", "r0"}},
		{"descend past 20", ids(tb.Descend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(20), Past: true})), []string{"r0"}},
		{"descend at 5", ids(tb.Descend(rowsByUser, Seek[tableRow]{Group: "u", Pivot: at(5)})), nil},
		{"an empty group", ids(tb.Ascend(rowsByUser, Seek[tableRow]{Group: "nobody"})), nil},
		{"whole table by key", ids(tb.All()), []string{"other", "r0", "r1", "r2", "r3"}},
	}
	for _, c := range cases {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// A limit is a break: the scan stops there.
	var firstTwo []string
	for id := range tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u"}) {
		if firstTwo = append(firstTwo, id); len(firstTwo) == 2 {
			break
		}
	}
	if !slices.Equal(firstTwo, []string{"r0", "r1"}) {
		t.Errorf("first two = %v", firstTwo)
	}
}

func TestTableCloneIsolatesWritesAndFrozenTablesRefuseThem(t *testing.T) {
	committed := writable()
	committed.Put("a", tableRow{ID: "a", User: "u", Score: 1})
	committed.freeze()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a write to a frozen table did not panic")
			}
		}()
		committed.Put("b", tableRow{ID: "b", User: "u", Score: 2})
	}()
	tx := committed.clone()
	tx.Put("b", tableRow{ID: "b", User: "u", Score: 2})
	tx.Delete("a")
	if got := ids(committed.Ascend(rowsByUser, Seek[tableRow]{Group: "u"})); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("the committed table sees the clone's writes: %v", got)
	}
	if got := ids(tx.Ascend(rowsByUser, Seek[tableRow]{Group: "u"})); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("clone = %v", got)
	}
	// A second clone of the same committed table starts from the committed rows again.
	if got := ids(committed.clone().All()); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("second clone = %v", got)
	}
}

func TestTableScanSeesTheTableAsItWasWhenItStarted(t *testing.T) {
	tb := writable()
	for i := range 50 {
		id := fmt.Sprintf("r%02d", i)
		tb.Put(id, tableRow{ID: id, User: "u", Score: i})
	}
	seen := 0
	for id, r := range tb.Ascend(rowsByUser, Seek[tableRow]{Group: "u"}) {
		seen++
		tb.Delete(id)                                                            // rows not yet visited stay visible
		tb.Put(id+"x", tableRow{ID: id + "x", User: "u", Score: r.Score + 1000}) // rows added are not visited
	}
	if seen != 50 || tb.Len() != 50 {
		t.Fatalf("visited %d rows, %d left; want 50 and 50", seen, tb.Len())
	}
}
