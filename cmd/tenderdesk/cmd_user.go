package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/auth"
)

func init() {
	register(command{name: "user add", summary: "add a user (--login L --role R [--password-stdin])", run: runUserAdd})
	register(command{name: "user suspend", summary: "suspend a user (accounts are never deleted, E9)", run: runUserSuspend})
	register(command{name: "user reactivate", summary: "lift a suspension (E9; audited)", run: runUserReactivate})
	register(command{name: "user unlock", summary: "clear a sign-in lockout of a login [and a client address]", run: runUserUnlock})
	register(command{name: "user list", summary: "list users", run: runUserList})
	register(command{name: "user password", summary: "reset a user's password (Q22; ends their browser sessions)", run: runUserPassword})
	register(command{name: "token create", summary: "create a bearer API token for a user (printed once)", run: runTokenCreate})
}

// cli is the actor of CLI changes in the audit trail: the OS user at the console.
func cli() audit.Actor {
	u := os.Getenv("USER")
	if u == "" {
		u = "console"
	}
	return audit.Actor{Login: "cli:" + u, Role: "admin", ClientAddr: "console"}
}

func runUserAdd(args []string, stdout, stderr io.Writer) int {
	var n auth.NewUser
	var pwStdin bool
	a, code := open("user add", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&n.Login, "login", "", "login (required)")
		fs.StringVar(&n.Role, "role", "", "role: "+strings.Join(roleList(), ", "))
		fs.StringVar(&n.FullName, "name", "", "full name")
		fs.StringVar(&n.Organization, "org", "", "organization")
		fs.StringVar(&n.BIN, "bin", "", "organization BIN/IIN (required for applicant and customer)")
		fs.StringVar(&n.Email, "email", "", "email")
		fs.StringVar(&n.Language, "lang", "ru", "ru, kk or en")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input (else one is generated and printed)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	var generated bool
	var err error
	if n.Password, generated, err = password(pwStdin); err != nil {
		fmt.Fprintf(stderr, "tenderdesk user add: %v\n", err)
		return 1
	}
	u, err := a.Auth.CreateUser(context.Background(), cli(), n)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk user add: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "user %s (%s) added\n", u.Login, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", n.Password)
	}
	return 0
}

func runUserSuspend(args []string, stdout, stderr io.Writer) int {
	var login, reason string
	a, code := open("user suspend", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login (required)")
		fs.StringVar(&reason, "reason", "", "basis of the suspension (required)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if login == "" || reason == "" {
		fmt.Fprintln(stderr, "tenderdesk user suspend: --login and --reason are required")
		return 2
	}
	if err := a.Auth.Suspend(context.Background(), cli(), login, reason); err != nil {
		fmt.Fprintf(stderr, "tenderdesk user suspend: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "user %s suspended; its sessions and tokens are revoked\n", login)
	return 0
}

func runUserReactivate(args []string, stdout, stderr io.Writer) int {
	var login, reason string
	a, code := open("user reactivate", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login (required)")
		fs.StringVar(&reason, "reason", "", "why the account is reactivated (required)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if login == "" || reason == "" {
		fmt.Fprintln(stderr, "tenderdesk user reactivate: --login and --reason are required")
		return 2
	}
	if err := a.Auth.Reactivate(context.Background(), cli(), login, reason); err != nil {
		fmt.Fprintf(stderr, "tenderdesk user reactivate: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "user %s reactivated; they sign in again\n", login)
	return 0
}

func runUserUnlock(args []string, stdout, stderr io.Writer) int {
	var login, addr string
	a, code := open("user unlock", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login (required)")
		fs.StringVar(&addr, "address", "", "also clear this client address's failed sign-ins")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if login == "" {
		fmt.Fprintln(stderr, "tenderdesk user unlock: --login is required")
		return 2
	}
	if err := a.Auth.Unlock(context.Background(), cli(), login, addr); err != nil {
		fmt.Fprintf(stderr, "tenderdesk user unlock: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "failed sign-ins of %s cleared\n", login)
	return 0
}

func runUserList(args []string, stdout, stderr io.Writer) int {
	var asJSON bool
	a, code := open("user list", args, stderr, func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") })
	if a == nil {
		return code
	}
	defer a.Close()
	us, err := a.Auth.List(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk user list: %v\n", err)
		return 1
	}
	if asJSON {
		json.NewEncoder(stdout).Encode(us)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tROLE\tSTATUS\tORGANIZATION\tBIN")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Role, u.Status, u.Organization, u.BIN)
	}
	tw.Flush()
	return 0
}

func runTokenCreate(args []string, stdout, stderr io.Writer) int {
	var login, label string
	a, code := open("token create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login (required)")
		fs.StringVar(&label, "label", "", "what the token is for")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if login == "" {
		fmt.Fprintln(stderr, "tenderdesk token create: --login is required")
		return 2
	}
	tok, err := a.Auth.CreateToken(context.Background(), cli(), login, label)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk token create: %v\n", describe(err))
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

func roleList() []string {
	var s []string
	for _, r := range auth.Roles {
		s = append(s, string(r))
	}
	return s
}

func runUserPassword(args []string, stdout, stderr io.Writer) int {
	var login string
	var pwStdin bool
	a, code := open("user password", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login (required)")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the new password from standard input (else one is generated and printed)")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if login == "" {
		fmt.Fprintln(stderr, "tenderdesk user password: --login is required")
		return 2
	}
	pw, generated, err := password(pwStdin)
	if err != nil {
		fmt.Fprintf(stderr, "tenderdesk user password: %v\n", err)
		return 1
	}
	if err := a.Auth.SetPassword(context.Background(), cli(), login, pw); err != nil {
		fmt.Fprintf(stderr, "tenderdesk user password: %v\n", describe(err))
		return 1
	}
	fmt.Fprintf(stdout, "password of %s reset; their browser sessions are ended\n", login)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	return 0
}

// password reads one line from standard input, or generates a password
// (generated reports which, so the caller prints a generated one once).
func password(fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return auth.RandomSecret(15), true, nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}
