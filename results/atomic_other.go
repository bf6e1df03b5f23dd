//go:build !linux

package results

import "os"

// createHidden creates a named temporary file: only Linux has O_TMPFILE.
func createHidden(dir, base string) (*os.File, bool, error) {
	f, err := createNamed(dir, base)
	return f, true, err
}

func (a *AtomicFile) link() (string, error) { return a.File.Name(), nil }
