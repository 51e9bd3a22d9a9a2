package discovery

import (
	"fmt"
	"strings"
	"time"
)

// Mode is what happens when a requesting origin asks for a script URL it
// has no decision for (neither recorded nor in the configured allow list).
type Mode string

// Modes.
const (
	// ModeDeny refuses (NotAllowedError). The default: an unattended host
	// never lets one origin into another's worker unless configured to.
	ModeDeny Mode = "deny"
	// ModePrompt asks the person (UI, API or CLI) and waits for the answer
	// up to Options.PromptTimeout.
	ModePrompt Mode = "prompt"
)

// ParseMode parses "deny" or "prompt" ("" is deny).
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case "", ModeDeny:
		return ModeDeny, nil
	case ModePrompt:
		return ModePrompt, nil
	}
	return "", fmt.Errorf("grant policy %q: want deny or prompt", s)
}

// GrantRule is one pre-configured allow entry: RequestingOrigin may use the
// published worker running ScriptURL without asking.
type GrantRule struct {
	RequestingOrigin string
	ScriptURL        string
}

// String formats the rule as ParseGrantRule reads it.
func (r GrantRule) String() string { return r.RequestingOrigin + "=" + r.ScriptURL }

// ParseGrantRule parses "ORIGIN=SCRIPTURL", e.g.
// "https://news.example=https://sdk.social.example/sw.js". The origin must
// be a potentially trustworthy origin (https, or http on loopback), the
// script URL an absolute http(s) URL; both are returned canonical.
func ParseGrantRule(s string) (GrantRule, error) {
	origin, script, ok := strings.Cut(s, "=")
	if !ok || origin == "" || script == "" {
		return GrantRule{}, fmt.Errorf("grant %q: want ORIGIN=SCRIPTURL, like https://news.example=https://sdk.social.example/sw.js", s)
	}
	return NewGrantRule(origin, script)
}

// NewGrantRule validates and canonicalizes a rule.
func NewGrantRule(origin, scriptURL string) (GrantRule, error) {
	o, err := SerializeOrigin(origin)
	if err != nil {
		return GrantRule{}, fmt.Errorf("grant %s=%s: %s", origin, scriptURL, ErrorMessage(err))
	}
	if !PotentiallyTrustworthy(o) {
		return GrantRule{}, fmt.Errorf("grant %s=%s: %s is not a secure origin; it could never call discover()", origin, scriptURL, o)
	}
	u, err := CanonicalScriptURL(scriptURL)
	if err != nil {
		return GrantRule{}, fmt.Errorf("grant %s=%s: %s", origin, scriptURL, ErrorMessage(err))
	}
	return GrantRule{RequestingOrigin: o, ScriptURL: u}, nil
}

// ParseGrantRules parses several rules, reporting the first invalid one.
func ParseGrantRules(ss []string) ([]GrantRule, error) {
	out := make([]GrantRule, 0, len(ss))
	for _, s := range ss {
		r, err := ParseGrantRule(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PublishPolicy is the host's say on publish().
type PublishPolicy struct {
	// Disabled refuses every publish() (it resolves false). Publications
	// recorded before are then not discoverable either.
	Disabled bool
	// Origins, when not empty, lists the only origins whose registrations
	// may publish (canonicalized by New; an invalid entry fails New).
	Origins []string
	// Allow, when set, is asked last with the registration's origin and
	// script URL; false refuses.
	Allow func(origin, scriptURL string) bool
}

// Policy is the host's configuration of discovery.
type Policy struct {
	// Mode decides requests with no recorded decision and no rule.
	Mode Mode
	// Allow is the pre-configured allow list (--grant ORIGIN=SCRIPTURL).
	// A recorded decision (swhost grants allow|deny, an answered prompt)
	// takes precedence over a rule for the same pair.
	Allow []GrantRule
	// Publish limits publish().
	Publish PublishPolicy
}

// Limits bound the cost one requesting origin can cause. Zero fields take
// the defaults (DefaultLimits); a negative field means unlimited.
type Limits struct {
	// MaxInstancesPerOrigin bounds the live (attached, not inert, not
	// released) foreign instances of one requesting origin.
	MaxInstancesPerOrigin int
	// MaxInstances bounds the live foreign instances of all origins
	// together (so that many origins cannot add up to an unbounded cost).
	MaxInstances int
	// DiscoverPerMinute bounds discover() calls per requesting origin in
	// any sliding 60-second window, whatever their outcome.
	DiscoverPerMinute int
}

// DefaultLimits are the limits used for zero fields.
var DefaultLimits = Limits{MaxInstancesPerOrigin: 16, MaxInstances: 4096, DiscoverPerMinute: 60}

// DefaultPromptTimeout is how long discover() waits for a person's answer.
const DefaultPromptTimeout = 60 * time.Second

func (l Limits) withDefaults() Limits {
	def := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	return Limits{
		MaxInstancesPerOrigin: def(l.MaxInstancesPerOrigin, DefaultLimits.MaxInstancesPerOrigin),
		MaxInstances:          def(l.MaxInstances, DefaultLimits.MaxInstances),
		DiscoverPerMinute:     def(l.DiscoverPerMinute, DefaultLimits.DiscoverPerMinute),
	}
}

// ErrorMessage returns a *js.Error's message, or err.Error() for others.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if je := asJS(err); je != nil {
		return je.Message
	}
	return err.Error()
}
