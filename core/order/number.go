package order

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NumberLocation is the calendar an order number's date is written in: the company's (Seoul).
var NumberLocation = time.FixedZone("KST", 9*60*60)

// numberDigits is the least number of digits of the daily sequence; a busier day just grows longer.
const numberDigits = 8

// NumberDay returns the calendar day (in NumberLocation) whose sequence an order placed at at takes.
func NumberDay(at time.Time) time.Time {
	y, m, d := at.In(NumberLocation).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// FormatNumber writes the order number of the seq-th order of day: J20261126-00000123. Numbers are
// unique because each day's sequence only grows; a sequence value taken by a unit of work that
// rolled back is simply skipped (gaps are allowed).
func FormatNumber(day time.Time, seq int64) string {
	return fmt.Sprintf("J%s-%0*d", day.Format("20060102"), numberDigits, seq)
}

// ParseNumber returns the day and sequence of an order number; ok is false for anything
// FormatNumber does not write.
func ParseNumber(s string) (day time.Time, seq int64, ok bool) {
	date, digits, found := strings.Cut(s, "-")
	if !found || len(date) != 9 || date[0] != 'J' || len(digits) < numberDigits || len(digits) > 18 {
		return time.Time{}, 0, false
	}
	day, err := time.Parse("20060102", date[1:])
	if err != nil {
		return time.Time{}, 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return time.Time{}, 0, false
		}
	}
	seq, err = strconv.ParseInt(digits, 10, 64)
	if err != nil || seq < 1 {
		return time.Time{}, 0, false
	}
	return day, seq, true
}
