package js

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/grafana/sobek"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// DescribeValue renders a thrown value the way a console shows it:
// "TypeError: message" for errors, the string otherwise.
func DescribeValue(v sobek.Value) string {
	if v == nil {
		return "undefined"
	}
	if obj, ok := v.(*sobek.Object); ok {
		name := obj.Get("name")
		msg := obj.Get("message")
		if name != nil && msg != nil && !sobek.IsUndefined(msg) {
			n := name.String()
			if n == "" {
				return msg.String()
			}
			if m := msg.String(); m != "" {
				return n + ": " + m
			}
			return n
		}
	}
	return v.String()
}

func containsMessage(stack, msg string) bool {
	return strings.HasPrefix(stack, msg)
}

// ShownStack is a stack as a developer reads it: the platform's own frames
// (its scripts are named "swhost:…") are left out, with the native frames
// that only lead into them (a listener's "at call (native)"), as a browser
// shows no frames for its own machinery; and positions lose the engine's
// bytecode offset ("sw.js:3:85(10)" becomes "sw.js:3:85"), and the trailing
// newline goes. A stack left with no frame is empty: the message says it
// all.
func ShownStack(stack string) string {
	lines := strings.Split(stack, "\n")
	keep := make([]bool, len(lines))
	frames := 0           // frames kept
	callerDropped := true // below the outermost frame: the platform's dispatch
	for i := len(lines) - 1; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		switch {
		case !strings.HasPrefix(t, "at "): // the message, or a blank line
			keep[i] = true
		case strings.Contains(t, "(swhost:") || strings.HasPrefix(t, "at swhost:"):
			callerDropped = true
		case strings.HasSuffix(t, "(native)") && callerDropped:
		default:
			keep[i], callerDropped = true, false
			frames++
		}
	}
	if frames == 0 {
		return ""
	}
	shown := lines[:0]
	for i, l := range lines {
		if keep[i] {
			shown = append(shown, pcRE.ReplaceAllString(l, "$1"))
		}
	}
	return strings.TrimRight(strings.Join(shown, "\n"), "\n")
}

var pcRE = regexp.MustCompile(`(:\d+:\d+)\(\d+\)`)

var frameRE = regexp.MustCompile(`at (?:[^\n(]*\()?([^\s()]+):(\d+):(\d+)\)?`)

// firstFrame finds the script URL and line of the top stack frame.
func firstFrame(stack string) (string, int) {
	for _, m := range frameRE.FindAllStringSubmatch(stack, -1) {
		if strings.HasPrefix(m[1], "swhost:") { // platform code
			continue
		}
		line, _ := strconv.Atoi(m[2])
		return m[1], line
	}
	return "", 0
}
