package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/crawlkit/crawl/redis"
	"github.com/crawlkit/crawl/results"
)

// export writes the JSON object keyed by URL from a JSON lines file:
// crawl export [-o FILE] RESULTS.jsonl.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("crawl export", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.StringP("output", "o", "-", "write the JSON object to `FILE` (- for stdout), atomically")
	redisURL := fs.String("redis", "", "export the records of the shared job --job on the Redis server at `URL` instead")
	job := fs.String("job", "", "with --redis: the job's `NAME`")
	format := fs.StringP("format", "f", "", "with --redis: json or jsonl (default json, or jsonl for an output ending in .jsonl)")
	follow := fs.Bool("follow", false, "with --redis: append each record to the JSON lines -o FILE as it finishes, fsync, and only then remove it from Redis; end when the job is finished. Run again with the same FILE to go on")
	if err := fs.Parse(args); errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: crawl export [-o FILE] RESULTS.jsonl\n       crawl export --redis URL --job NAME [-f json|jsonl] [-o FILE]\n       crawl export --redis URL --job NAME --follow -o FILE.jsonl\n\nWrites the JSON object keyed by URL that a crawl with -f json would have\nwritten, from its JSON lines output (the last record of a URL wins), or\nthe output a local run of a shared job would have written.\n\n%s", fs.FlagUsages())
		return nil
	} else if err != nil {
		return usagef("export: %v", err)
	}
	if *redisURL != "" {
		if *job == "" || fs.NArg() != 0 {
			return usagef("export --redis: want --job NAME and no file, as in: crawl export --redis URL --job NAME -o out.json")
		}
		if err := redis.CheckURL(*redisURL); err != nil {
			return usagef("export: --redis: %v", err)
		}
		if err := redis.CheckJobName(*job); err != nil {
			return usagef("export: --job: %v", err)
		}
		if *follow {
			if *output == "-" || *format == "json" {
				return usagef("export --follow: want -o FILE.jsonl: the records are appended to a JSON lines file, which a restart goes on from")
			}
			return followJob(ctx, *redisURL, *job, *output, stderr)
		}
		return exportShared(ctx, *redisURL, *job, *output, *format, stdout)
	}
	if *job != "" || *format != "" || *follow {
		return usagef("export: --job, --format and --follow go with --redis")
	}
	if fs.NArg() != 1 {
		return usagef("export: want one JSON lines file, as in: crawl export results.jsonl")
	}
	if *output != "-" && sameFile(fs.Arg(0), *output) {
		return usagef("export: -o %s is the JSON lines file %s itself: the export would replace the file --resume needs; write the JSON object to another file", *output, fs.Arg(0))
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
	if err != nil && looksLikeJSONObject(fs.Arg(0)) {
		return fmt.Errorf("export %s: this is a JSON object (the output of -f json), not JSON lines: it needs no export", fs.Arg(0))
	}
	if err = errors.Join(err, putErr); err != nil {
		return fmt.Errorf("export %s: %w", fs.Arg(0), err)
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

// looksLikeJSONObject reports whether a file starts as crawl's JSON object
// output does: "{" alone on its first line.
func looksLikeJSONObject(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	first, _ := bufio.NewReader(f).ReadBytes('\n')
	return string(bytes.TrimSpace(first)) == "{"
}
