package memory

import (
	"iter"
	"strings"

	"github.com/tidwall/btree"
)

// Table is one in-memory table: rows of type V under a primary key K, and the secondary indexes it
// was declared with, which every Put and Delete keeps up to date. Rows are values: never change one
// in place, Put a new one.
//
// Every tree of a table is a copy-on-write B-tree (github.com/tidwall/btree): cloning a table is
// O(1), and a clone shares every node with its original until one of them writes, which copies only
// the path to what it changes. A table in the committed State is frozen; a unit of work writes to
// its own clone, obtained through Mutable.
type Table[K, V any] struct {
	def  *tableDef[K, V]
	live trees[K, V] // what reads see
	// base is set once the table is frozen: a private copy of live that clones are taken from, so
	// that cloning (which retags the tree it copies) never touches the trees readers are walking.
	base *trees[K, V]
}

// Index declares a secondary ordering of a table's rows, like a Postgres index: Group is the
// equality part of its key and Order the ordered part, e.g. "by user, newest first" is Group =
// user id, Order = created_at descending. A scan stays inside one group. Rows that Order puts level
// follow their primary key, so every row has exactly one place.
type Index[V any] struct {
	// Group returns the row's group; nil puts every row in one group, "".
	Group func(V) string
	// Order compares two rows of one group; nil orders them by primary key alone.
	Order func(a, b V) int
	// Where keeps only the rows it accepts, like a partial index; nil keeps every row.
	Where func(V) bool
}

// Seek is where a scan of an index starts, in one group: at the group's first row in the scan's
// direction when Pivot is nil, else at the rows that Order puts level with *Pivot (only the fields
// Order reads matter), or just past them when Past is set.
type Seek[V any] struct {
	Group string
	Pivot *V
	Past  bool
}

type tableDef[K, V any] struct {
	compare func(a, b K) int
	indexes []*Index[V]
}

type trees[K, V any] struct {
	rows    *btree.BTreeG[entry[K, V]]
	indexes []*btree.BTreeG[entry[K, V]] // parallel to def.indexes
}

// entry is a row in a tree. Index entries carry their group; a seek's pivot is an entry too, whose
// edge places it before (-1) or after (+1) the rows it is level with, and which has no row (val
// nil) when it marks a group's start or end.
type entry[K, V any] struct {
	key   K
	val   *V // shared by the primary tree and every index: rows are never changed in place
	group string
	edge  int8
}

// newTable returns an empty, frozen table ordered by compare, with indexes.
func newTable[K, V any](compare func(a, b K) int, indexes ...*Index[V]) *Table[K, V] {
	def := &tableDef[K, V]{compare: compare, indexes: indexes}
	t := &Table[K, V]{def: def, live: trees[K, V]{rows: newTree(func(a, b entry[K, V]) bool { return compare(a.key, b.key) < 0 })}}
	for _, ix := range indexes {
		t.live.indexes = append(t.live.indexes, newTree(func(a, b entry[K, V]) bool { return def.compareIn(ix, a, b) < 0 }))
	}
	t.freeze()
	return t
}

func newTree[K, V any](less func(a, b entry[K, V]) bool) *btree.BTreeG[entry[K, V]] {
	// No locks: frozen trees are only read, and a unit of work's own trees only by its goroutine.
	// Small nodes: a write copies every node on its path, so their size is what a write costs on a
	// large table (degree 4 measured best in BenchmarkWriteUnitOfWork).
	return btree.NewBTreeGOptions(less, btree.Options{NoLocks: true, Degree: 4})
}

func (d *tableDef[K, V]) compareIn(ix *Index[V], a, b entry[K, V]) int {
	if c := strings.Compare(a.group, b.group); c != 0 {
		return c
	}
	if a.val == nil || b.val == nil { // a group's start or end
		return int(a.edge) - int(b.edge)
	}
	if ix.Order != nil {
		if c := ix.Order(*a.val, *b.val); c != 0 {
			return c
		}
	}
	if a.edge != 0 || b.edge != 0 {
		return int(a.edge) - int(b.edge)
	}
	return d.compare(a.key, b.key)
}

// Get returns the row at k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	e, ok := t.live.rows.Get(entry[K, V]{key: k})
	if !ok {
		var zero V
		return zero, false
	}
	return *e.val, true
}

// Len returns the number of rows.
func (t *Table[K, V]) Len() int { return t.live.rows.Len() }

// Put stores v at k and indexes it. Only call it on a table obtained through Mutable.
func (t *Table[K, V]) Put(k K, v V) {
	t.mustBeWritable()
	e := entry[K, V]{key: k, val: &v}
	old, replaced := t.live.rows.Set(e)
	for i, ix := range t.def.indexes {
		if replaced {
			t.unindex(i, ix, old)
		}
		if ix.Where == nil || ix.Where(v) {
			t.live.indexes[i].Set(indexed(ix, e))
		}
	}
}

// Delete removes the row at k. Only call it on a table obtained through Mutable.
func (t *Table[K, V]) Delete(k K) {
	t.mustBeWritable()
	old, ok := t.live.rows.Delete(entry[K, V]{key: k})
	if !ok {
		return
	}
	for i, ix := range t.def.indexes {
		t.unindex(i, ix, old)
	}
}

func (t *Table[K, V]) unindex(i int, ix *Index[V], old entry[K, V]) {
	if ix.Where == nil || ix.Where(*old.val) {
		t.live.indexes[i].Delete(indexed(ix, old))
	}
}

func indexed[K, V any](ix *Index[V], e entry[K, V]) entry[K, V] {
	if ix.Group != nil {
		e.group = ix.Group(*e.val)
	}
	return e
}

// All yields every row in primary-key order. It reads the whole table: use it where Postgres
// would scan the whole table too, and an index everywhere else.
//
// Like every scan, it sees the table as it was when the scan started, so writing to the table
// inside the loop is safe.
func (t *Table[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		t.snapshot(t.live.rows).Scan(func(e entry[K, V]) bool { return yield(e.key, *e.val) })
	}
}

// Ascend yields the rows of one group of ix in its order, from s on.
func (t *Table[K, V]) Ascend(ix *Index[V], s Seek[V]) iter.Seq2[K, V] {
	pivot := entry[K, V]{group: s.Group, val: s.Pivot, edge: -1}
	if s.Pivot != nil && s.Past {
		pivot.edge = 1
	}
	return t.scan(ix, pivot, (*btree.BTreeG[entry[K, V]]).Ascend)
}

// Descend yields the rows of one group of ix in reverse order, from s on: from the group's last
// row, or from the rows level with s.Pivot (or just before them, when s.Past is set) downwards.
func (t *Table[K, V]) Descend(ix *Index[V], s Seek[V]) iter.Seq2[K, V] {
	pivot := entry[K, V]{group: s.Group, val: s.Pivot, edge: 1}
	if s.Pivot != nil && s.Past {
		pivot.edge = -1
	}
	return t.scan(ix, pivot, (*btree.BTreeG[entry[K, V]]).Descend)
}

// first returns the first row of a scan.
func first[K, V any](rows iter.Seq2[K, V]) (row V, ok bool) {
	rows(func(_ K, v V) bool {
		row, ok = v, true
		return false
	})
	return row, ok
}

func (t *Table[K, V]) scan(ix *Index[V], pivot entry[K, V], walk func(*btree.BTreeG[entry[K, V]], entry[K, V], func(entry[K, V]) bool)) iter.Seq2[K, V] {
	tree := t.indexTree(ix)
	return func(yield func(K, V) bool) {
		walk(t.snapshot(tree), pivot, func(e entry[K, V]) bool {
			return e.group == pivot.group && yield(e.key, *e.val)
		})
	}
}

func (t *Table[K, V]) indexTree(ix *Index[V]) *btree.BTreeG[entry[K, V]] {
	for i, declared := range t.def.indexes {
		if declared == ix {
			return t.live.indexes[i]
		}
	}
	panic("memory: scan of an index the table was not declared with")
}

// snapshot returns tree itself when the table is frozen (nobody writes it), else an O(1) copy, so
// a scan is not disturbed by writes made while it runs.
func (t *Table[K, V]) snapshot(tree *btree.BTreeG[entry[K, V]]) *btree.BTreeG[entry[K, V]] {
	if t.base != nil {
		return tree
	}
	return tree.Copy()
}

func (t *Table[K, V]) mustBeWritable() {
	if t.base != nil {
		panic("memory: write to a committed table; get it through Mutable")
	}
}

// clone returns a writable table with the same rows, in O(1).
func (t *Table[K, V]) clone() *Table[K, V] {
	src := &t.live
	if t.base != nil {
		src = t.base
	}
	return &Table[K, V]{def: t.def, live: src.copy()}
}

// freeze makes the table read-only, for publishing in a committed State.
func (t *Table[K, V]) freeze() {
	if t.base == nil {
		base := t.live.copy()
		t.base = &base
	}
}

func (ts *trees[K, V]) copy() trees[K, V] {
	out := trees[K, V]{rows: ts.rows.Copy(), indexes: make([]*btree.BTreeG[entry[K, V]], len(ts.indexes))}
	for i, tree := range ts.indexes {
		out.indexes[i] = tree.Copy()
	}
	return out
}
