package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// assets are the static files, served under /assets/<hash>-<name> and
// cached forever: a changed file has a new hash, so a new URL.
type assets struct {
	byURL  map[string]asset
	byName map[string]string
}

type asset struct {
	body  []byte
	gz    []byte // body gzip-compressed once at start (CSS, JS), else nil
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{byURL: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		u := "/assets/" + hex.EncodeToString(sum[:6]) + "-" + name
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		var gz []byte
		if compressible(ct) {
			// Compressed once, at the best level: the files never change
			// while the process runs, so no request pays for it.
			var zb bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
			if _, err := zw.Write(b); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			gz = zb.Bytes()
		}
		a.byURL[u] = asset{b, gz, ct}
		a.byName[name] = u
		return nil
	})
	return a, err
}

func (a *assets) url(name string) string { return a.byName[name] }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	x, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", x.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	body := x.body
	if x.gz != nil {
		addVary(w.Header())
		if r.Method != http.MethodHead && wantsGzip(r) {
			// Set here, so the console's gzip wrapper leaves it alone.
			w.Header().Set("Content-Encoding", "gzip")
			body = x.gz
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
