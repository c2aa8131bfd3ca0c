package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CopyStore copies the file store in from into to, leaving out unfinished uploads
// (partial/). A stored file is checked against its SHA-256 name; a file the
// target already holds intact (an earlier, interrupted run) is kept, and a
// file is written under a temporary name and renamed, so an interrupted
// run leaves no half file under a real name.
func CopyStore(from, to string) (n int, bytes int64, err error) {
	err = filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == from {
			return fs.SkipAll // a desk that never stored a file
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if rel == "partial" {
				return fs.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o750)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := d.Name()
		addressed := len(name) == 64 && filepath.Base(filepath.Dir(p)) == name[:2]
		dst := filepath.Join(to, rel)
		if st, err := os.Stat(dst); err == nil && st.Size() == info.Size() {
			if !addressed || sha256Of(dst) == name {
				n, bytes = n+1, bytes+info.Size()
				return nil
			}
		}
		if err := CopyFile(p, dst); err != nil {
			return err
		}
		if addressed {
			if sum := sha256Of(dst); sum != name {
				return fmt.Errorf("file %s does not match its checksum", rel)
			}
		}
		n, bytes = n+1, bytes+info.Size()
		return nil
	})
	return n, bytes, err
}

// CopyFile copies a file and syncs it, under a temporary name renamed
// into place.
func CopyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := to + ".dbcopy-tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

func sha256Of(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
