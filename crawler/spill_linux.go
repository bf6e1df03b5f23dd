package crawler

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openSpill opens a new spill segment in dir with O_TMPFILE: it never has
// a name, so no exit, however abrupt (a second SIGINT, a SIGKILL), leaves
// it behind. Filesystems without O_TMPFILE get a file unlinked at once.
func openSpill(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return openUnlinked(dir)
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "crawl-frontier (unlinked)")), nil
}
