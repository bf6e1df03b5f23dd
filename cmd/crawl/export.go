package main

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/crawlkit/crawl/results"
)

// export writes the JSON object keyed by URL from a JSON lines file:
// crawl export [-o FILE] RESULTS.jsonl.
func export(args []string, stdout io.Writer) error {
	fs := pflag.NewFlagSet("crawl export", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.StringP("output", "o", "-", "write the JSON object to `FILE` (- for stdout), atomically")
	if err := fs.Parse(args); err != nil {
		return usagef("export: %v", err)
	}
	if fs.NArg() != 1 {
		return usagef("export: want one JSON lines file, as in: crawl export results.jsonl")
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		return usagef("export: %v", err)
	}
	defer in.Close()
	// The records wait in a spool, as for a crawl's JSON output, so that
	// exporting a file of millions of records takes no more memory.
	spool, err := results.NewSpool("")
	if err != nil {
		return err
	}
	defer spool.Close()
	var putErr error
	_, err = results.ReadJSONL(in, func(r results.Record) {
		if putErr == nil {
			putErr = spool.Put(r)
		}
	})
	if err = errors.Join(err, putErr); err != nil {
		return err
	}
	if *output == "-" {
		return spool.WriteJSON(stdout)
	}
	f, err := results.CreateAtomic(*output)
	if err != nil {
		return err
	}
	if err := spool.WriteJSON(f); err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}
