package js

import "testing"

func TestShownStack(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			"a listener's exception",
			"Error: handler broke\n\tat https://t.example/sw.js:3:85(10)\n\tat call (native)\n\tat callListener (swhost:web/base.js:229:20(47))\n\tat dispatch (swhost:web/base.js:265:53(56))\n\tat swhost:sw/sw.js:376:33(45)\n",
			"Error: handler broke\n\tat https://t.example/sw.js:3:85",
		},
		{
			"thrown by the platform only",
			"TypeError: not a Response (42).\n\tat swhost:sw/sw.js:335:37(25)\n",
			"",
		},
		{
			"native frames the script called stay",
			"Error: x\n\tat f (https://a.example/a.js:1:10(3))\n\tat forEach (native)\n\tat g (https://a.example/a.js:2:5(8))\n",
			"Error: x\n\tat f (https://a.example/a.js:1:10)\n\tat forEach (native)\n\tat g (https://a.example/a.js:2:5)",
		},
		{
			"a platform frame between script frames",
			"Error: y\n\tat cb (https://a.example/a.js:4:1(2))\n\tat call (native)\n\tat dispatchEvent (swhost:web/base.js:300:9(12))\n\tat main (https://a.example/a.js:9:3(20))\n",
			"Error: y\n\tat cb (https://a.example/a.js:4:1)\n\tat main (https://a.example/a.js:9:3)",
		},
		{
			"thrown by the platform, called by the script",
			"TypeError: Illegal invocation\n\tat get (swhost:web/fetch.js:10:3(4))\n\tat f (https://a.example/a.js:1:10(3))\n",
			"TypeError: Illegal invocation\n\tat f (https://a.example/a.js:1:10)",
		},
		{"no frames", "boom", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShownStack(tt.in); got != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
