package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// createHidden creates the temporary file with O_TMPFILE: it has no name
// until Commit links it, so an abrupt exit leaves nothing. Filesystems
// without O_TMPFILE get a named temporary file instead.
func createHidden(dir, base string) (f *os.File, named bool, err error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o666)
	if err != nil {
		f, err := createNamed(dir, base)
		return f, true, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "."+base+".tmp")), false, nil
}

// link gives the temporary file a name beside the target, to rename over it.
func (a *AtomicFile) link() (string, error) {
	if a.named {
		return a.File.Name(), nil
	}
	for range 100 {
		f, err := createNamed(filepath.Dir(a.path), filepath.Base(a.path))
		if err != nil {
			return "", err
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		proc := fmt.Sprintf("/proc/self/fd/%d", a.File.Fd())
		err = unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, name, unix.AT_SYMLINK_FOLLOW)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("link %s: %w", name, err)
		}
		return name, nil
	}
	return "", errors.New("no free temporary name")
}
