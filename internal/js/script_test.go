package js

import (
	"errors"
	"testing"
)

// TestCompileErrorMessage: a script that does not compile gives a
// SyntaxError whose message says what is wrong and where, once ("SyntaxError"
// is the error's name, not part of its message).
func TestCompileErrorMessage(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"parse error", "console.log('x' ;", "Unexpected token ; (https://bad.example/a.js:1:17)"},
		{"parse error on a later line", "const a = 1;\nconst b = ;", "Unexpected token ; (https://bad.example/a.js:2:11)"},
		{"early error", "let a;\nlet a;", "Identifier 'a' has already been declared (https://bad.example/a.js:2:5)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Script{Name: "https://bad.example/a.js", Source: tt.src}
			prog, err := s.Compile()
			var e *Error
			if prog != nil || !errors.As(err, &e) {
				t.Fatalf("Compile() = %v, %v; want a *js.Error", prog, err)
			}
			if e.Name != "SyntaxError" || e.Message != tt.want {
				t.Fatalf("got %s: %q\nwant SyntaxError: %q", e.Name, e.Message, tt.want)
			}
		})
	}
}
