// Command ferretdb-launcher runs FerretDB 1.24.2 with its SQLite backend.
//
// FerretDB's own cmd/ferretdb panics when built by `go install` (its version file is
// generated and not in the module, upstream issue #2982), so support-engines builds this
// small main that embeds the github.com/FerretDB/FerretDB/ferretdb package instead.
// Embedded mode opens no debug port, writes no state file and sends no telemetry.
//
// It also adds the `_id` expression index FerretDB's SQLite queries need (idindex.go), and
// `support-engines install` builds it against FerretDB's source with patches/ applied (an `_id`
// equality is pushed down to SQL whatever else the filter holds).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "directory holding one SQLite file per database")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false,
		"stop when stdin closes: the parent died, so nothing would ever stop us")
	flag.Parse()

	if err := run(*listen, *dataDir, *logLevel, *exitOnStdinEOF); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, logLevel string, exitOnStdinEOF bool) error {
	if dataDir == "" {
		return fmt.Errorf("--data-dir is required")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	// The SQLite backend needs the directory to exist.
	if err = os.MkdirAll(abs, 0o755); err != nil {
		return err
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The URL must end with a slash (it names a directory). synchronous(OFF) is still
	// safe against a process kill (only an OS crash could lose the tail of the WAL).
	// Before FerretDB opens the files: index existing collections with nobody to wait on.
	indexer := newIDIndexer(abs, time.Second, logger)
	if n := indexer.pass(context.Background()); n > 0 {
		logger.Info("id index: indexed existing collections", slog.Int("tables", n))
	}

	sqliteURL := (&url.URL{Scheme: "file", Opaque: abs + "/"}).String() + "?_pragma=synchronous(OFF)"

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    logger,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	// Then keep up with collections FerretDB creates. The indexer stops with FerretDB
	// (signal, stdin EOF, or Run failing) and has closed its connections before we return.
	indexCtx, stopIndexer := context.WithCancel(ctx)
	waitIndexer := indexer.start(indexCtx)
	err = f.Run(ctx)
	stopIndexer()
	waitIndexer()
	return err
}
