package console

import (
	"slices"

	"tenderdesk/internal/invite"
)

// CanInvite says whether the header offers the invitations page: portal
// users have it in the cabinet's links; the authorized body's users invite
// colleagues too (invite.CanInvite), and until issue 10 had no link to it.
func (p *Page) CanInvite() bool { return p.User != nil && invite.CanInvite(*p.User) }

// PathIn says whether this page is one of paths: the header marks the
// group that holds the current page, which is hidden while it is closed.
func (p *Page) PathIn(paths ...string) bool { return slices.Contains(paths, p.Path) }
