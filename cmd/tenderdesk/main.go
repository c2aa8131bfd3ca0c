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
		name := strings.Join(args[:n], " ")
		if c, ok := commands[name]; ok {
			return c.run(args[n:], stdout, stderr)
		}
		// "calendar override --help": a group that is no command names its commands.
		if sub := group(name); len(sub) > 0 && (n == len(args) || strings.HasPrefix(args[n], "-")) {
			return groupUsage(name, sub, args[n:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tenderdesk: unknown command %q; accepted: %s\n", strings.Join(args, " "), strings.Join(names(), ", "))
	return 2
}

// group lists the commands under name ("calendar override" → add, list, remove).
func group(name string) []string {
	var sub []string
	for _, n := range names() {
		if strings.HasPrefix(n, name+" ") {
			sub = append(sub, n)
		}
	}
	return sub
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

func groupUsage(name string, sub, rest []string, stdout, stderr io.Writer) int {
	w, code := stdout, 0
	if len(rest) > 0 && !isHelp(rest[0]) {
		w, code = stderr, 2
		fmt.Fprintf(w, "tenderdesk %s: unknown flag %q before a command\n", name, rest[0])
	} else if len(rest) == 0 {
		w, code = stderr, 2
	}
	fmt.Fprintf(w, "Usage: tenderdesk %s COMMAND [flags]   (each command has --help)\n\nCommands:\n", name)
	for _, n := range sub {
		fmt.Fprintf(w, "  %-24s %s\n", n, commands[n].summary)
	}
	return code
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
