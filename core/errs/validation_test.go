package errs_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/jupang/jupang/core/errs"
)

func TestValidationWithoutProblemsIsNil(t *testing.T) {
	var v errs.Validation
	if !v.Check(true, "name", errs.FieldRequired, "x") {
		t.Error("Check(true) reported false")
	}
	v.Add(nil, nil)
	if err := v.Err(); err != nil {
		t.Errorf("Err = %v, want nil (an untyped nil, so err != nil is false)", err)
	}
}

func TestValidationCollectsEveryProblemInOrder(t *testing.T) {
	var v errs.Validation
	if v.Check(false, "name", errs.FieldRequired, "this field is required") {
		t.Error("Check(false) reported true")
	}
	v.Add(nil, errs.FieldTooLong.At("bio", "is too long"), nil)
	v.Check(1 > 2, "age", errs.FieldOutOfRange, "must be 1 to 2")
	err := v.Err()
	if !errors.Is(err, errs.ErrValidation) || errs.KindOf(err) != errs.Invalid {
		t.Fatalf("Err = %v, want VALIDATION_FAILED", err)
	}
	want := []errs.FieldError{
		{Field: "name", Code: "REQUIRED", Message: "this field is required"},
		{Field: "bio", Code: "TOO_LONG", Message: "is too long"},
		{Field: "age", Code: "OUT_OF_RANGE", Message: "must be 1 to 2"},
	}
	if got := errs.As(err).Fields; !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %+v, want %+v", got, want)
	}
	if len(errs.ErrValidation.Fields) != 0 {
		t.Error("the sentinel was changed")
	}
	// A later check does not change an error already returned.
	v.Check(false, "late", errs.FieldRequired, "x")
	if len(errs.As(err).Fields) != 3 || len(errs.As(v.Err()).Fields) != 4 {
		t.Error("an error returned by Err shares its fields with the Validation")
	}
}

func TestNewKeepsTheTexts(t *testing.T) {
	text := errs.Text{KO: "가.", EN: "A.", JA: "あ。"}
	e := errs.New(errs.Conflict, "SOME_CODE", text)
	if e.Message != "A." || e.Text() != text {
		t.Errorf("New: Message %q, Text %+v", e.Message, e.Text())
	}
	if c := e.WithMessage("More specific.").WithField("f", "X", "y"); c.Text() != text || c.Message != "More specific." {
		t.Errorf("a copy lost the texts: %+v", c.Text())
	}
}
