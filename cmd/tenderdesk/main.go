// Command tenderdesk is the technical-support and technical-failure desk of an
// e-procurement portal. Subcommands register themselves in commands (one file
// per command family, cmd_*.go), so adding one does not touch this file.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	_ "time/tzdata" // the binary must not depend on the host's zone files (Asia/Almaty changed in 2024)
)

// command is one subcommand. run gets the arguments after the command name
// and returns the process exit code.
type command struct {
	name    string // may contain a space for nested commands: "user add"
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("tenderdesk: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to the longest registered command name that prefixes args.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for n := min(len(args), 3); n >= 1; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c.run(args[n:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tenderdesk: unknown command %q; accepted: %s\n", strings.Join(args, " "), strings.Join(names(), ", "))
	return 2
}

func names() []string {
	var ns []string
	for n := range commands {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "tenderdesk — technical-failure desk of an e-procurement portal")
	fmt.Fprintln(w, "\nUsage: tenderdesk COMMAND [flags]   (each command has --help)\n\nCommands:")
	for _, n := range names() {
		fmt.Fprintf(w, "  %-18s %s\n", n, commands[n].summary)
	}
}
