package results

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// AtomicFile is an output file that appears under its name only once it is
// complete: writes go to a temporary file in the same directory, which Commit
// syncs and renames over the target. A crash or an Abort leaves the target as
// it was, never half-written.
type AtomicFile struct {
	*os.File
	path string
}

// CreateAtomic starts an atomic write of path. Creating the temporary file up
// front makes an unwritable destination fail before any work is done.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for {
		// Like os.CreateTemp, but with mode 0666 so that the umask, not a
		// fixed 0600, decides who can read the result.
		tmp := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &AtomicFile{File: f, path: path}, nil
	}
}

// Commit makes the written content visible under the target name.
func (a *AtomicFile) Commit() error {
	if err := a.File.Sync(); err != nil {
		return errors.Join(err, a.Abort())
	}
	if err := a.File.Close(); err != nil {
		return errors.Join(err, os.Remove(a.File.Name()))
	}
	if err := os.Rename(a.File.Name(), a.path); err != nil {
		return errors.Join(err, os.Remove(a.File.Name()))
	}
	return nil
}

// Abort discards the temporary file; the target is untouched.
func (a *AtomicFile) Abort() error {
	a.File.Close()
	return os.Remove(a.File.Name())
}
