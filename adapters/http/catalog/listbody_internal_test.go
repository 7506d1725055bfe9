package cataloghttp

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/jupang/jupang/core/catalog"
	"github.com/jupang/jupang/core/kernel"
)

// The list body built from memoised items is byte for byte what json.Marshal of the wire shape
// writes, for every language, with and without a cursor and thumbnail, with text JSON escapes.
func TestListBodyIsTheMarshalledShape(t *testing.T) {
	a := catalog.ProductSummary{ID: kernel.NewID(), Name: `Tea <"green"> & "black" ☕`, Category: catalog.CategoryRef{ID: kernel.NewID(), Name: "차 & 커피"},
		Price: kernel.NewMoney(1290, kernel.USD), ListPrice: kernel.NewMoney(1500, kernel.USD), Availability: catalog.LowStock,
		ThumbnailURL: "https://img.jupang.test/a.jpg?x=1&y=<2>"}
	b := a
	b.ID, b.ThumbnailURL, b.Price, b.ListPrice = kernel.NewID(), "", kernel.NewMoney(12_900, kernel.KRW), kernel.NewMoney(12_900, kernel.KRW)
	for _, page := range []kernel.Page[catalog.ProductSummary]{
		{Items: []catalog.ProductSummary{}},
		{Items: []catalog.ProductSummary{a}},
		{Items: []catalog.ProductSummary{a, b, a}, NextCursor: "eyJ2IjoxfQ<&>"},
	} {
		for _, l := range kernel.Locales {
			for range 2 { // the second time from the memo
				got, err := listBody(page, l)
				if err != nil {
					t.Fatal(err)
				}
				shape := listJSON{Items: make([]summaryJSON, len(page.Items))}
				for i, s := range page.Items {
					shape.Items[i] = summary(s, l)
				}
				if page.NextCursor != "" {
					shape.NextCursor = &page.NextCursor
				}
				want, err := json.Marshal(shape)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s:\n got %s\nwant %s", l, got, want)
				}
			}
		}
	}
}
