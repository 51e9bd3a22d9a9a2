package js

import (
	"fmt"
	"sync"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/ast"
	"github.com/grafana/sobek/parser"
)

// Script is source compiled once and shared by every realm that runs it
// (sobek programs are immutable and safe to share).
type Script struct {
	Name   string
	Source string

	once sync.Once
	prog *sobek.Program
	err  error
}

// Compile returns the compiled program, compiling on first use.
func (s *Script) Compile() (*sobek.Program, error) {
	s.once.Do(func() {
		// Source maps are not loaded: a script's sourceMappingURL comment
		// (common in bundles) names a URL the parser cannot fetch, and a
		// failed load would fail the compilation.
		var prg *ast.Program
		if prg, s.err = parser.ParseFile(nil, s.Name, s.Source, 0, parser.WithDisableSourceMaps); s.err == nil {
			s.prog, s.err = sobek.CompileAST(prg, false)
		}
		if s.err != nil {
			s.err = &Error{Name: "SyntaxError", Message: compileMessage(s.err), Cause: s.err}
		}
	})
	return s.prog, s.err
}

// compileMessage is a parse or compile error as "what (file:line:column)",
// the error's name left to the SyntaxError that carries it.
func compileMessage(err error) string {
	var pe *parser.Error
	switch e := err.(type) {
	case parser.ErrorList:
		if len(e) > 0 {
			pe = e[0]
		}
	case *parser.Error:
		pe = e
	case *sobek.CompilerSyntaxError:
		if e.File != nil {
			return fmt.Sprintf("%s (%s)", e.Message, e.File.Position(e.Offset))
		}
		return e.Message
	}
	if pe != nil {
		return fmt.Sprintf("%s (%s)", pe.Message, pe.Position)
	}
	return err.Error()
}

// Run evaluates the script in the realm's global scope. A thrown exception is
// returned (not reported); call on the loop.
func (r *Realm) Run(s *Script) (sobek.Value, error) {
	prog, err := s.Compile()
	if err != nil {
		return nil, err
	}
	return r.rt.RunProgram(prog)
}

// Prelude is platform code run in each realm before any user script. Its
// source is a function expression `(function (ops, internals, global) {…})`
// called with the realm's native operations, its private internals object
// and the global object.
type Prelude struct {
	Script
}

// NewPrelude names and holds a prelude; it compiles on first use.
func NewPrelude(name, source string) *Prelude {
	return &Prelude{Script: Script{Name: "swhost:" + name, Source: source}}
}

// RunPrelude runs p in the realm. Call on the loop.
func (r *Realm) RunPrelude(p *Prelude) error {
	v, err := r.Run(&p.Script)
	if err != nil {
		return fmt.Errorf("prelude %s: %w", p.Name, err)
	}
	fn, ok := sobek.AssertFunction(v)
	if !ok {
		return fmt.Errorf("prelude %s is not a function expression", p.Name)
	}
	if _, err := fn(sobek.Undefined(), r.ops, r.internals, r.rt.GlobalObject()); err != nil {
		return fmt.Errorf("prelude %s: %w", p.Name, err)
	}
	return nil
}

// SetOp registers a native operation for preludes.
func (r *Realm) SetOp(name string, fn func(sobek.FunctionCall) sobek.Value) {
	_ = r.ops.Set(name, fn)
}

// Internal reads a member of the internals object.
func (r *Realm) Internal(name string) sobek.Value { return r.internals.Get(name) }

// CallInternal calls internals[name](args...) as part of the current task,
// reporting an exception it throws.
func (r *Realm) CallInternal(name string, args ...sobek.Value) (sobek.Value, error) {
	fn, ok := sobek.AssertFunction(r.internals.Get(name))
	if !ok {
		return nil, fmt.Errorf("internal %s is not a function", name)
	}
	return r.Call(fn, sobek.Undefined(), args...)
}
