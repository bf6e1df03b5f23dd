package results

import (
	"slices"
	"strings"
	"sync"
)

// Sink receives records as the crawl finishes them. Put is called from many
// goroutines at once; an error from Put is fatal to the crawl.
type Sink interface {
	Put(Record) error
}

// Map is a concurrent map of records keyed by URL: the crawl's results held in
// memory until they are written as one JSON object.
type Map struct {
	mu      sync.Mutex
	records map[string]Record
}

// NewMap returns an empty Map.
func NewMap() *Map {
	return &Map{records: make(map[string]Record)}
}

// Put stores r under r.URL, replacing any earlier record for that URL.
func (m *Map) Put(r Record) error {
	m.mu.Lock()
	m.records[r.URL] = r
	m.mu.Unlock()
	return nil
}

// Len returns the number of records.
func (m *Map) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

// Get returns the record stored for url.
func (m *Map) Get(url string) (Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[url]
	return r, ok
}

// Sorted returns a copy of every record, sorted by URL.
func (m *Map) Sorted() []Record {
	m.mu.Lock()
	out := make([]Record, 0, len(m.records))
	for _, r := range m.records {
		out = append(out, r)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.URL, b.URL) })
	return out
}
