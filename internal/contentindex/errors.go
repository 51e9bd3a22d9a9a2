package contentindex

import (
	"errors"

	"github.com/swhost/swhost/internal/js"
)

// Exception names used by this package.
const (
	TypeError          = "TypeError"
	QuotaExceededError = "QuotaExceededError"
	AbortError         = "AbortError"
	NotFoundError      = "NotFoundError"
	InvalidStateError  = "InvalidStateError"
	RangeError         = "RangeError"
)

func errorf(name, format string, args ...any) *js.Error { return js.Errorf(name, format, args...) }

func typeErr(format string, args ...any) *js.Error { return js.Errorf(TypeError, format, args...) }

func quotaErr(format string, args ...any) *js.Error {
	return js.Errorf(QuotaExceededError, format, args...)
}

// ErrorName returns the exception name of err: the Name of a *js.Error in its
// chain, or "" for nil and "TypeError" for any other error (what a realm
// would make of it).
func ErrorName(err error) string {
	if err == nil {
		return ""
	}
	var je *js.Error
	if errors.As(err, &je) {
		return je.Name
	}
	return TypeError
}

// withPrefix returns a copy of a *js.Error with prefix added to its message,
// or wraps any other error as a TypeError.
func withPrefix(err error, prefix string) error {
	var je *js.Error
	if errors.As(err, &je) {
		return &js.Error{Name: je.Name, Message: prefix + je.Message, Cause: je.Cause}
	}
	return &js.Error{Name: TypeError, Message: prefix + err.Error(), Cause: err}
}
