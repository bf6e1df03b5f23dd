//go:build unix

package redis

import (
	"errors"
	"syscall"
)

// alive reports whether a process of this machine runs as pid.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
