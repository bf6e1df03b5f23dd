package main

import (
	"encoding/json"
	"os"

	"github.com/crawlkit/crawl/results"
)

// countRecords counts the records of an output file and how many carry an
// error: a JSON object keyed by URL, or JSON lines.
func countRecords(path string, jsonl bool) (ok, failed int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	count := func(errText string) {
		if errText == "" {
			ok++
		} else {
			failed++
		}
	}
	if jsonl {
		_, err = results.ReadJSONL(f, func(r results.Record) { count(r.Error) })
		return ok, failed, err
	}
	var m map[string]struct {
		Error string `json:"error"`
	}
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		return 0, 0, err
	}
	for _, r := range m {
		count(r.Error)
	}
	return ok, failed, nil
}
