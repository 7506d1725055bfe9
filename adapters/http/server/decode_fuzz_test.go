package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/jupang/jupang/core/errs"
)

// fuzzWidget is a typical request DTO: scalars, a list, a nested object, a map.
type fuzzWidget struct {
	Name     string            `json:"name"`
	Quantity int               `json:"quantity"`
	Price    *int64            `json:"price,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	Options  *fuzzOptions      `json:"options,omitempty"`
	Attrs    map[string]string `json:"attrs,omitempty"`
}

type fuzzOptions struct {
	Color string `json:"color"`
	Gift  bool   `json:"gift"`
}

var decoderFieldCodes = []string{codeRequired, codeMalformedJSON, codeUnknownField, codeDuplicate, codeInvalidType}

// checkRejection asserts err is a well-formed 400: VALIDATION_FAILED with one field error of the decoder.
func checkRejection(t *testing.T, body []byte, err error) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "VALIDATION_FAILED" || StatusOf(e) != 400 || len(e.Fields) != 1 ||
		!slices.Contains(decoderFieldCodes, e.Fields[0].Code) || e.Fields[0].Field == "" {
		t.Fatalf("decodeJSON(%q) = %#v, want VALIDATION_FAILED with one decoder field error", body, err)
	}
	return e
}

// FuzzDecodeJSON feeds arbitrary bodies to the strict decoder: it must never panic, must refuse
// every body encoding/json refuses or that is not valid JSON, must refuse with a well-formed field
// error, and when it accepts, must have decoded exactly what encoding/json decodes.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"mug","quantity":2}`, `{"name":"mug","quantity":2,"tags":["a","b"],"options":{"color":"red","gift":true},"attrs":{"k":"v"}}`,
		`{"name":"a","name":"b"}`, `{"Name":"a","NAME":"b"}`, `{"options":{"color":"r","COLOR":"b"}}`, `{"attrs":{"k":"1","K":"2"}}`,
		`{"name":`, `{"name":"a"} {}`, `null`, ``, `  `, `[]`, `"str"`, `{"quantity":1e3}`, `{"quantity":"1"}`,
		`{"quantity":99999999999999999999}`, `{"price":null}`, `{"unknown":1}`, "{\"name\":\"\xff\"}", `{"name":"\ud800"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, `{"ſtatus":1}`, `{"\u006eame":"x","name":"y"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got fuzzWidget
		err := decodeJSON("application/json", body, &got)

		var std fuzzWidget
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		stdErr := dec.Decode(&std)

		if err != nil {
			e := checkRejection(t, body, err)
			if !json.Valid(body) && e.Fields[0].Code != codeMalformedJSON && e.Fields[0].Code != codeRequired {
				t.Fatalf("invalid JSON %q refused with %s", body, e.Fields[0].Code)
			}
			return
		}
		switch {
		case !json.Valid(body) || !utf8.Valid(body):
			t.Fatalf("accepted invalid JSON %q", body)
		case bytes.Equal(bytes.TrimSpace(body), []byte("null")):
			t.Fatalf("accepted null")
		case stdErr != nil:
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, stdErr)
		case !reflect.DeepEqual(got, std):
			t.Fatalf("decoded %q as %+v, encoding/json as %+v", body, got, std)
		}
	})
}

// FuzzDecodeJSONRoundTrip: any value the DTO can hold, encoded by encoding/json, decodes back to
// itself; and adding a key is refused: as a duplicate when it is exactly "name" or "quantity", as
// unknown otherwise, even when encoding/json would match it to one of them in another case.
func FuzzDecodeJSONRoundTrip(f *testing.F) {
	f.Add("mug", 2, int64(12900), "sale", "red", true, "k", "v", "NAME")
	f.Add("", -1, int64(0), "", "", false, "", "", "name")
	f.Add("머그컵 <b>&amp;", 1<<40, int64(-5), "\u2028", "\x00", true, "ключ", "\xff", "ſame")
	f.Add("a", 0, int64(1), "t", "c", false, "a", "b", "nick")
	f.Fuzz(func(t *testing.T, name string, quantity int, price int64, tag, color string, gift bool, attrKey, attrValue, extraKey string) {
		want := fuzzWidget{Name: name, Quantity: quantity, Price: &price, Tags: []string{tag},
			Options: &fuzzOptions{Color: color, Gift: gift}, Attrs: map[string]string{attrKey: attrValue}}
		body, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		// encoding/json writes invalid UTF-8 as U+FFFD; what must round-trip is what it decodes.
		var canonical fuzzWidget
		if err := json.Unmarshal(body, &canonical); err != nil {
			t.Fatal(err)
		}
		var got fuzzWidget
		if err := decodeJSON("application/json; charset=utf-8", body, &got); err != nil {
			t.Fatalf("decodeJSON(%s) = %v", body, err)
		}
		if !reflect.DeepEqual(got, canonical) {
			t.Fatalf("round trip of %s = %+v, want %+v", body, got, canonical)
		}

		if !utf8.ValidString(extraKey) {
			return
		}
		key, _ := json.Marshal(extraKey)
		extended := append(append(append([]byte(`{"name":"x","quantity":1,`), key...), `:"y"`...), '}')
		err = decodeJSON("application/json", extended, &fuzzWidget{})
		if err == nil {
			t.Fatalf("accepted %s", extended)
		}
		e := checkRejection(t, extended, err)
		// Names match exactly: only "name" and "quantity" themselves are duplicates; a key that
		// encoding/json would match to them in another case or Unicode fold is unknown.
		isDuplicate := extraKey == "name" || extraKey == "quantity"
		if isDuplicate != (e.Fields[0].Code == codeDuplicate) || !isDuplicate && e.Fields[0].Code != codeUnknownField {
			t.Fatalf("%s refused with %s; the extra key repeats a field: %v", extended, e.Fields[0].Code, isDuplicate)
		}
	})
}
