//go:build !linux

package crawler

import "os"

// openSpill opens a new spill segment in dir, unlinked at once where the
// system allows it, so that an abrupt exit leaves nothing behind.
func openSpill(dir string) (*os.File, error) { return openUnlinked(dir) }
