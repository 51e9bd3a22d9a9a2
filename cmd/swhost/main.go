// Command swhost runs service workers outside a browser. See README.md.
package main

import (
	"os"

	"github.com/swhost/swhost/internal/cli"
)

func main() { os.Exit(cli.Main(cli.OS())) }
