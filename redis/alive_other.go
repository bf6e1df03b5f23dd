//go:build !unix

package redis

// alive cannot tell here: a lease is then waited out.
func alive(int) bool { return true }
