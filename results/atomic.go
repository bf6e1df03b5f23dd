package results

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// AtomicFile is an output file that appears under its name only once it is
// complete: writes go to a temporary file in the same directory, which Commit
// syncs and renames over the target. A crash or an Abort leaves the target as
// it was, never half-written.
//
// What the name points at is respected: a symlink is followed, and the file
// it points to replaced; an existing file keeps its permissions; a device, a
// FIFO or anything else that is not a regular file (-o /dev/null, -o
// /dev/stdout) is written directly, since renaming over it would replace it
// with a regular file. Where the system has O_TMPFILE the temporary file has
// no name until Commit, so no exit, however abrupt, leaves one behind.
type AtomicFile struct {
	*os.File
	path   string // the file Commit replaces
	direct bool   // writing straight to a file that is not regular
	named  bool   // the temporary file has a name, to remove on Abort
}

// CreateAtomic starts an atomic write of path. Creating the temporary file up
// front makes an unwritable destination fail before any work is done.
func CreateAtomic(path string) (*AtomicFile, error) {
	if path == "" {
		return nil, errors.New("empty output path")
	}
	info, err := os.Stat(path) // through symlinks
	switch {
	case err == nil && info.IsDir():
		return nil, fmt.Errorf("%s: is a directory", path)
	case err == nil && !info.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &AtomicFile{File: f, path: path, direct: true}, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	target, err := resolveLinks(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(target)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	f, named, err := createHidden(dir, filepath.Base(target))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // it names the temporary file, which the user never named
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if info != nil {
		if err := f.Chmod(info.Mode().Perm()); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &AtomicFile{File: f, path: target, named: named}, nil
}

// resolveLinks follows the symlinks path is, even one whose target does not
// exist yet, and returns the file they end at.
func resolveLinks(path string) (string, error) {
	for range 40 {
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// createNamed creates a temporary file beside base in dir, with mode 0666
// (less the umask) rather than os.CreateTemp's fixed 0600.
func createNamed(dir, base string) (*os.File, error) {
	for {
		tmp := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return f, err
	}
}

// Commit makes the written content visible under the target name.
func (a *AtomicFile) Commit() error {
	if a.direct {
		return a.File.Close()
	}
	if err := a.File.Sync(); err != nil {
		return errors.Join(err, a.Abort())
	}
	name, err := a.link()
	if err != nil {
		return errors.Join(err, a.Abort())
	}
	if err := a.File.Close(); err != nil {
		return errors.Join(err, os.Remove(name))
	}
	if err := os.Rename(name, a.path); err != nil {
		return errors.Join(err, os.Remove(name))
	}
	return nil
}

// Abort discards the temporary file; the target is untouched.
func (a *AtomicFile) Abort() error {
	err := a.File.Close()
	if a.named {
		err = os.Remove(a.File.Name())
	}
	return err
}
