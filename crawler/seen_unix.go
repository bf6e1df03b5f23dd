//go:build unix

package crawler

import (
	"syscall"
	"unsafe"
)

// allocSlots maps a zeroed table outside the Go heap: it holds no pointers,
// and on the heap it would count toward the size the GC lets the heap grow
// to (twice what is live), so a set of a million URLs would cost twice its
// size in memory.
func allocSlots(n int) [][2]uint64 {
	b, err := syscall.Mmap(-1, 0, n*16, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([][2]uint64, n) // no mapping to be had: the heap will do
	}
	return unsafe.Slice((*[2]uint64)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// freeSlots unmaps a table from allocSlots.
func freeSlots(s [][2]uint64) {
	if len(s) > 0 {
		// A table that came from the heap fails to unmap, harmlessly.
		syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*16))
	}
}
