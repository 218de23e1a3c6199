package main

// FerretDB 1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` (the
// registry quotes key parts with %q) but every `{_id: …}` query, update and delete
// compares `_ferretdb_sjson->'$._id'` (metadata.IDColumn). SQLite's planner only
// uses an expression index for the very same expression, so those lookups SCAN
// the whole table. idIndexer adds, next to FerretDB's own index, an index on the
// expression the queries use, to every collection table of every database file.
//
// The index is invisible to clients: FerretDB lists indexes from the settings
// column of its _ferretdb_collections table, never from sqlite_master. Dropping a
// collection drops its table and our index with it; the next pass adds the index
// to whatever table replaces it.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	// idIndexPrefix names our indexes. FerretDB never creates a table whose name
	// starts with "_ferretdb_" (collection names cannot), and names its own indexes
	// "<table>_<index>", so nothing FerretDB creates can collide with ours.
	idIndexPrefix = "_ferretdb_launcher_id_"

	// idExpression must stay byte-for-byte what FerretDB's queries compare
	// (metadata.IDColumn in internal/backends/sqlite/metadata).
	idExpression = `_ferretdb_sjson->'$._id'`

	// metadataTable is FerretDB's list of collections and their table names.
	metadataTable = "_ferretdb_collections"

	// indexerBusyTimeout keeps us from ever making FerretDB wait long: when a
	// FerretDB writer holds the lock we give up and retry on the next pass.
	indexerBusyTimeout = 200 * time.Millisecond
)

// fileState is what a database file looked like (main file and WAL) when a pass
// found nothing to do; while it stays the same, later passes skip the file
// without opening it.
type fileState struct {
	mainSize, walSize int64
	mainMod, walMod   time.Time
	mainIno           uint64
}

type idIndexer struct {
	dir      string
	interval time.Duration
	l        *slog.Logger

	mu    sync.Mutex
	clean map[string]fileState // database file -> state when it last needed nothing
}

func newIDIndexer(dir string, interval time.Duration, l *slog.Logger) *idIndexer {
	return &idIndexer{dir: dir, interval: interval, l: l, clean: map[string]fileState{}}
}

// start runs passes every interval until ctx is done. The returned function waits
// for the goroutine to finish; by then every connection it opened is closed.
func (x *idIndexer) start(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(x.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				x.pass(ctx)
			}
		}
	}()
	return func() { <-done }
}

// pass checks every database file once. Errors are per file and never fatal.
func (x *idIndexer) pass(ctx context.Context) (created int) {
	x.mu.Lock()
	defer x.mu.Unlock()

	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		x.l.Warn("id index: listing database files", slog.String("error", err.Error()))
		return 0
	}
	present := make(map[string]bool, len(files))
	for _, file := range files {
		if ctx.Err() != nil {
			return created
		}
		present[file] = true
		n, err := x.file(ctx, file)
		created += n
		switch {
		case err == nil:
		case isTransient(err) || ctx.Err() != nil:
			x.l.Debug("id index: will retry", slog.String("file", filepath.Base(file)), slog.String("error", err.Error()))
		default:
			x.l.Warn("id index: could not index database", slog.String("file", filepath.Base(file)), slog.String("error", err.Error()))
		}
	}
	for file := range x.clean {
		if !present[file] {
			delete(x.clean, file) // dropped database
		}
	}
	return created
}

// file adds missing indexes to one database file and returns how many it created.
func (x *idIndexer) file(ctx context.Context, file string) (int, error) {
	before, ok := statFile(file)
	if !ok {
		return 0, nil // dropped meanwhile
	}
	if prev, seen := x.clean[file]; seen && prev == before {
		return 0, nil // nothing was written since the last pass found nothing to do
	}
	// Only touch files FerretDB has fully set up: a SQLite header in WAL mode. A file
	// FerretDB has just created may still be empty or in rollback mode.
	if !isWALDatabase(file) {
		return 0, nil
	}

	// mode=rw: never create a file FerretDB has just dropped. Our own connection
	// pool of one, opened and closed within the pass, so no handle outlives it.
	dsn := (&url.URL{Scheme: "file", Opaque: file}).String() + "?mode=rw" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", indexerBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	tables, err := tablesMissingIndex(ctx, db)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0, nil // FerretDB is still creating its metadata table
		}
		return 0, err
	}

	created := 0
	for _, table := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quoteIdent(idIndexPrefix+table), quoteIdent(table), idExpression)
		if _, err = db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // the collection was dropped since we listed it
			}
			return created, err
		}
		created++
		x.l.Debug("id index: created", slog.String("file", filepath.Base(file)), slog.String("table", table))
	}
	if len(tables) == 0 {
		x.clean[file] = before
	} else {
		delete(x.clean, file) // look once more next pass, then settle
	}
	return created, nil
}

// tablesMissingIndex lists collection tables (per FerretDB's metadata) that exist
// and lack our index.
func tablesMissingIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	q := fmt.Sprintf(`
		SELECT c.table_name
		FROM %s AS c
		WHERE EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = c.table_name)
		  AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ? || c.table_name)
		ORDER BY c.table_name`, quoteIdent(metadataTable))
	rows, err := db.QueryContext(ctx, q, idIndexPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var table string
		if err = rows.Scan(&table); err != nil {
			return nil, err
		}
		tables = append(tables, table)
	}
	return tables, rows.Err()
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func statFile(file string) (fileState, bool) {
	main, err := os.Stat(file)
	if err != nil {
		return fileState{}, false
	}
	s := fileState{mainSize: main.Size(), mainMod: main.ModTime(), mainIno: inode(main)}
	if wal, err := os.Stat(file + "-wal"); err == nil {
		s.walSize, s.walMod = wal.Size(), wal.ModTime()
	}
	return s, true
}

// isWALDatabase reports whether the file starts with a SQLite header whose
// read/write versions (bytes 18 and 19) say WAL.
func isWALDatabase(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	header := make([]byte, 20)
	if _, err = io.ReadFull(f, header); err != nil {
		return false
	}
	return bytes.Equal(header[:16], []byte("SQLite format 3\x00")) && header[18] == 2 && header[19] == 2
}

// isTransient is true for errors the next pass may not see: another connection
// holds the lock, or the file went away under us.
func isTransient(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_INTERRUPT:
			return true
		}
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, os.ErrNotExist)
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
