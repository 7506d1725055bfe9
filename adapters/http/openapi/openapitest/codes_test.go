package openapitest

import "testing"

func TestCodeTables(t *testing.T) {
	c := Catalogued{Errors: map[string]int{}, Fields: map[string]bool{}}
	err := c.collect(map[string]any{"a": []any{"Intro.\n\n| code | status | meaning |\n|---|---|---|\n| `A_CODE` | 409 | Why. |\n\n" +
		"| field code | meaning |\n|---|---|\n| `B_CODE` | Why. |\n\n| name | meaning |\n|---|---|\n| `NOT_A_CODE` | Another table. |"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Errors) != 1 || c.Errors["A_CODE"] != 409 || len(c.Fields) != 1 || !c.Fields["B_CODE"] {
		t.Errorf("collected %+v", c)
	}
	for _, bad := range []string{
		"| code | status | meaning |\n|---|---|---|\n| A_CODE | 409 | The code is not `quoted`. |",
		"| code | status | meaning |\n|---|---|---|\n| `A_CODE` | 200 | Not an error status. |",
		"| code | status | meaning |\n|---|---|---|\n| `A_CODE` | 404 | Another status than before. |",
		"| field code | meaning |\n|---|---|\n| `B_CODE` | Too | many cells. |",
	} {
		if err := c.collect(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// The real documents parse, and their tables hold the platform's codes.
func TestCodesOfTheDocuments(t *testing.T) {
	c, err := Codes()
	if err != nil {
		t.Fatal(err)
	}
	if c.Errors["NOT_FOUND"] != 404 || c.Errors["IDEMPOTENCY_KEY_IN_USE"] != 409 || !c.Fields["REQUIRED"] {
		t.Errorf("codes = %v, fields = %v", c.Errors, c.Fields)
	}
	if _, ok := c.Errors["REQUIRED"]; ok || c.Fields["NOT_FOUND"] {
		t.Error("error codes and field codes are mixed up")
	}
}
