package analysis

import (
	"errors"

	"tenderdesk/internal/apperr"
)

func asErr(err error, ae **apperr.Error) bool { return errors.As(err, ae) }
