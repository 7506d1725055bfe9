package catalog

import (
	"maps"
	"slices"

	"github.com/jupang/jupang/core/errs"
	"github.com/jupang/jupang/core/kernel"
)

// Category is a node of the category tree.
type Category struct {
	ID        string
	ParentID  string   // "" for a root
	Slug      string   // unique, lower-case words joined by '-'
	Path      []string // ancestor ids root first, ending with ID
	SortOrder int
	Names     Localized
}

// NewCategory builds a category under parent (nil for a root), deriving its path.
func NewCategory(id, slug string, parent *Category, sortOrder int, names Localized) (Category, error) {
	c := Category{ID: id, Slug: slug, SortOrder: sortOrder, Names: names}
	if parent != nil {
		c.ParentID = parent.ID
		c.Path = append(slices.Clone(parent.Path), id)
	} else {
		c.Path = []string{id}
	}
	return c, c.Validate()
}

// Clone deep-copies the category.
func (c Category) Clone() Category {
	c.Path = slices.Clone(c.Path)
	c.Names = maps.Clone(c.Names)
	return c
}

// Depth is 0 for a root.
func (c Category) Depth() int { return len(c.Path) - 1 }

// Validate checks the category's invariants (the same ones the database enforces).
func (c Category) Validate() error {
	var v errs.Validation
	v.Check(kernel.IsID(c.ID), "id", errs.FieldInvalidID, "must be a UUID")
	v.Check(c.ParentID == "" || kernel.IsID(c.ParentID), "parentId", errs.FieldInvalidID, "must be a UUID")
	v.Check(c.ParentID != c.ID, "parentId", FieldCycle, "a category cannot be its own parent")
	v.Check(slugPattern.MatchString(c.Slug), "slug", errs.FieldInvalidFormat, "must be lower-case words joined by '-'")
	n := len(c.Path)
	switch {
	case n == 0 || c.Path[n-1] != c.ID:
		v.Add(FieldInvalidPath.At("path", "must end with the category itself"))
	case (c.ParentID == "") != (n == 1):
		v.Add(FieldInvalidPath.At("path", "a root has a one-element path; a child's path is longer"))
	case n > 1 && c.Path[n-2] != c.ParentID:
		v.Add(FieldInvalidPath.At("path", "the element before the category must be its parent"))
	}
	c.Names.validate("name", 200, &v)
	return v.Err()
}

// CategoryRef is a category as shown inside a product: id and name in one language.
type CategoryRef struct {
	ID   string
	Name string
}

// CategoryTree answers tree questions over every category.
type CategoryTree struct {
	byID   map[string]Category
	bySlug map[string]string
}

// NewCategoryTree indexes categories.
func NewCategoryTree(categories []Category) CategoryTree {
	t := CategoryTree{byID: make(map[string]Category, len(categories)), bySlug: make(map[string]string, len(categories))}
	for _, c := range categories {
		t.byID[c.ID] = c
		t.bySlug[c.Slug] = c.ID
	}
	return t
}

// Get returns the category with id.
func (t CategoryTree) Get(id string) (Category, bool) {
	c, ok := t.byID[id]
	return c, ok
}

// Find returns the category named by an id or a slug.
func (t CategoryTree) Find(idOrSlug string) (Category, bool) {
	if c, ok := t.byID[idOrSlug]; ok {
		return c, true
	}
	if id, ok := t.bySlug[idOrSlug]; ok {
		return t.byID[id], true
	}
	return Category{}, false
}

// Subtree returns the ids of the category and all its descendants, sorted.
func (t CategoryTree) Subtree(id string) []string {
	var out []string
	for _, c := range t.byID {
		if slices.Contains(c.Path, id) {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Ancestry returns the ids of the category and its ancestors (its path); empty for an unknown id.
func (t CategoryTree) Ancestry(id string) []string {
	return t.byID[id].Path
}

// PathRefs returns the category's path, root first, named in l.
func (t CategoryTree) PathRefs(id string, l kernel.Locale) []CategoryRef {
	path := t.byID[id].Path
	out := make([]CategoryRef, 0, len(path))
	for _, pid := range path {
		out = append(out, t.Ref(pid, l))
	}
	return out
}

// Ref returns the category named in l.
func (t CategoryTree) Ref(id string, l kernel.Locale) CategoryRef {
	return CategoryRef{ID: id, Name: t.byID[id].Names.In(l)}
}

// Len is the number of categories.
func (t CategoryTree) Len() int { return len(t.byID) }
