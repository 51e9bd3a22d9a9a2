// Package contentindex is the Go logic of the Content Index (seed 001): the
// content index entries of each service worker registration, the entry edit
// queue that orders add/delete/getAll, icon fetching and decoding, and the
// user agent's side (display policy, display/undisplay notifications,
// user-initiated deletion with the contentdelete event).
//
// It is testable without JavaScript. The JS binding (binding.go, js/, written
// on top of this API) does the WebIDL conversion of ContentDescription in JS
// with the realm's internals.idl helpers — only JS can run getters and
// toString() in the order WebIDL prescribes — and hands a Description to
// Index.Add. DescriptionFromValue is the same conversion for value trees
// built in Go (JSON from the CLI or the UI, values exported from a realm) and
// documents the rules; Validate checks what the add() algorithm checks after
// conversion plus the host's Limits.
//
// Errors are *js.Error values carrying the exception name a promise must be
// rejected with: TypeError (the spec's rejections), QuotaExceededError (a
// host limit), AbortError (the store failed, the caller gave up, or a
// contentdelete event is running), NotFoundError (user-agent delete of an
// unknown entry), InvalidStateError (the index is closed).
//
// Concurrency: every method of Index and Queue may be called from any
// goroutine and none of them blocks on I/O; results arrive through *Op
// values. Each operation takes its place in its registration's entry edit
// queue when the method is called, so the order of calls on one goroutine
// (the realm's loop) is the order of effects.
package contentindex
