package errs

// Validation collects the field errors of one input, so a validation reads like its rules and the
// client learns every problem at once:
//
//	var v errs.Validation
//	v.Check(kernel.IsID(b.ID), "id", errs.FieldInvalidID, "must be a UUID")
//	v.Check(n <= 200, "name", errs.FieldTooLong, "must be at most 200 characters")
//	v.Add(validateEmail(in.Email)) // a validator that returns *FieldError or nil
//	return v.Err()
//
// The zero value is ready to use.
type Validation struct {
	fields []FieldError
}

// Check records that field breaks code when ok is false, and returns ok (so a later rule can
// depend on an earlier one).
func (v *Validation) Check(ok bool, field string, code FieldCode, message string) bool {
	if !ok {
		v.fields = append(v.fields, FieldError{Field: field, Code: code.Code, Message: message})
	}
	return ok
}

// Add records the field errors found by validators; nil ones mean "no problem" and are skipped.
func (v *Validation) Add(found ...*FieldError) {
	for _, f := range found {
		if f != nil {
			v.fields = append(v.fields, *f)
		}
	}
}

// Err returns nil when nothing was recorded, else ErrValidation (VALIDATION_FAILED) carrying
// every field error in the order recorded.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	e := ErrValidation.clone()
	e.Fields = append(e.Fields, v.fields...)
	return e
}
