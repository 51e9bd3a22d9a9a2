package swhost_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/swhost/swhost"
)

// TestListenerThrew: a functional event whose listener throws goes on (the
// exception is reported, the next listener runs, as DOM dispatch does), and
// the host's caller hears it: Push and DeleteEntry return the exception, and
// the event's record says "threw".
func TestListenerThrew(t *testing.T) {
	h, l := newHost(t, swhost.Config{IndexIcons: "none"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Register(ctx, "https://guards.example/throws.js", "/throws/"); err != nil {
		t.Fatal(err)
	}
	const scope = "https://guards.example/throws/"

	err := h.Push(ctx, scope, []byte("throw"))
	if err == nil || !strings.Contains(err.Error(), "the worker's push listener threw: Error: boom") {
		t.Fatalf("push: %v", err)
	}
	if !l.has("second listener: throw") {
		t.Fatal("the second listener did not run")
	}
	if errs := l.errors(); len(errs) != 1 || errs[0].Message != "Error: boom" {
		t.Fatalf("reported: %v", errs)
	}
	evs := h.Events()
	if last := evs[len(evs)-1]; last.Type != "push" || last.Outcome != "threw" || last.Error != "Error: boom" {
		t.Fatalf("record %+v", last)
	}

	if err := h.Push(ctx, scope, []byte("add a")); err != nil {
		t.Fatalf("a push that does not throw: %v", err)
	}
	err = h.DeleteEntry(ctx, "", "a")
	var cde *swhost.ContentDeleteError
	if !errors.As(err, &cde) || !strings.Contains(err.Error(), "a listener threw: TypeError: cleanup broke") {
		t.Fatalf("delete: %v", err)
	}
	if _, err := h.FindEntry("", "a"); err == nil {
		t.Fatal("the entry is still there")
	}
}
