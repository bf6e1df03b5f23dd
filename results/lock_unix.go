//go:build unix

package results

import (
	"os"
	"syscall"
)

// lock takes an exclusive lock on f without waiting; it is released when f
// is closed, or its process ends.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
