// Package examples holds the sites bundled with swhost, built into the
// binary so that `swhost serve` runs the news example from anywhere.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed news
var files embed.FS

// News is the Content Index spec's news site (examples/news), served as
// https://news.example by `swhost serve` when no --origin is given.
func News() fs.FS {
	sub, err := fs.Sub(files, "news")
	if err != nil {
		panic(err) // the embedded tree always has news/
	}
	return sub
}
