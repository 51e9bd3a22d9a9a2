package discovery

import (
	"errors"

	"github.com/swhost/swhost/internal/js"
)

// Exception names this package rejects with. Every error the Service returns
// for a caller's mistake or a refusal is a *js.Error with one of these names;
// other errors (the store failing, a cancelled context) are passed through.
const (
	NotFoundError      = "NotFoundError"
	NotAllowedError    = "NotAllowedError"
	QuotaExceededError = "QuotaExceededError"
	SecurityError      = "SecurityError"
	TypeError          = "TypeError"
)

// ErrPromptNotFound is returned by Answer for an unknown, already answered,
// expired or withdrawn prompt.
var ErrPromptNotFound = js.Errorf(NotFoundError, "no pending permission prompt with that id")

// ErrClosed is returned by calls on a closed Service (and given to the
// waiters of prompts pending when it closed).
var ErrClosed = errors.New("discovery: service closed")

func jsErr(name, format string, args ...any) *js.Error { return js.Errorf(name, format, args...) }

// ErrorName returns the exception name of err: the Name of a *js.Error in its
// chain, "" for nil and "" for any other error.
func ErrorName(err error) string {
	var je *js.Error
	if errors.As(err, &je) {
		return je.Name
	}
	return ""
}

// notFound is the one NotFoundError of discover(): the same text whether
// the script URL is unknown, its registration is not published, or it is
// published to other origins only, so that a caller cannot probe.
func notFound(scriptURL string) *js.Error {
	return jsErr(NotFoundError, "discover(): no service worker with script URL %s is available", scriptURL)
}

func notAllowed(origin, scriptURL string) *js.Error {
	return jsErr(NotAllowedError, "discover(): %s is not allowed to use the service worker %s", origin, scriptURL)
}

func asJS(err error) *js.Error {
	var je *js.Error
	if errors.As(err, &je) {
		return je
	}
	return nil
}
