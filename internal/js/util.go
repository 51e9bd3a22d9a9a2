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
