package results

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestOpenJournal(t *testing.T) {
	a, b := `{"url":"http://a/"}`+"\n", `{"url":"http://b/"}`+"\n"
	tests := []struct {
		name    string
		content string
		kept    int64
		tail    []string // URLs returned as written
		size    int64    // after opening; -1: an error
		err     error
	}{
		{"absent", "", 0, nil, 0, nil},
		{"all kept", a + b, int64(len(a + b)), nil, int64(len(a + b)), nil},
		{"a batch past the mark", a + b, int64(len(a)), []string{"http://b/"}, int64(len(a + b)), nil},
		{"a partial line is cut", a + b[:7], int64(len(a)), nil, int64(len(a)), nil},
		{"a line without its newline is cut", a + b[:len(b)-1], 0, []string{"http://a/"}, int64(len(a)), nil},
		{"shorter than kept", a, int64(len(a + b)), nil, -1, ErrNotJournal},
		{"more lines past the mark than a batch", a + b + a, 0, nil, -1, ErrNotJournal},
		{"not a record past the mark", a + "{\"x\":1}\n", int64(len(a)), nil, -1, ErrNotJournal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			j, tail, err := OpenJournal(path, tt.kept, 2)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if got := slices.Sorted(maps.Keys(tail)); !slices.Equal(got, tt.tail) {
				t.Errorf("written past the mark: %q, want %q", got, tt.tail)
			}
			if j.Size() != tt.size {
				t.Errorf("size %d, want %d", j.Size(), tt.size)
			}
			if err := j.Append([][]byte{[]byte(`{"url":"http://c/"}`)}); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if want := tt.content[:tt.size] + `{"url":"http://c/"}` + "\n"; string(data) != want {
				t.Errorf("file %q, want %q", data, want)
			}
			if j.Size() != int64(len(data)) {
				t.Errorf("size %d after Append, file %d", j.Size(), len(data))
			}
		})
	}
}

// TestJournalLocked checks that a second writer of the same file is
// refused while the first has it open.
func TestJournalLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	j, _, err := OpenJournal(path, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenJournal(path, 0, 10); err == nil {
		t.Error("a second writer was let in")
	}
	j.Close()
	j, _, err = OpenJournal(path, 0, 10)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	j.Close()
}
