package weburl

// file parses the part of a file: URL after "file:", or a reference
// against a file: base, as Chromium does on Linux (it differs from the URL
// Standard there): Windows drive letters are ordinary text, "localhost" is
// kept as a host, and exactly two slashes start a host while any other
// number of them starts an absolute path.
func (p *parser) file(base *URL, input string) (URL, error) {
	p.hasHost = true
	p.buf = append(p.buf, '/', '/')
	p.hostStart, p.hostEnd = len(p.buf), len(p.buf)
	slashes := 0
	for slashes < len(input) && (input[slashes] == '/' || input[slashes] == '\\') {
		slashes++
	}
	if slashes == 2 {
		return p.fileHost(input[2:])
	}
	if base != nil && slashes <= 1 {
		p.buf = append(p.buf, base.Host...)
		p.hostEnd = len(p.buf)
	}
	if slashes > 0 || base == nil {
		p.pathStart = len(p.buf)
		return p.path(input[slashes:])
	}
	p.fileRelative = input != "" && input[0] != '?' && input[0] != '#'
	return p.relativePath(base, input)
}

// fileHost parses the host of file://host/path and what follows it.
func (p *parser) fileHost(input string) (URL, error) {
	end := len(input)
	for i := 0; i < len(input); i++ {
		if c := input[i]; c == '/' || c == '\\' || c == '?' || c == '#' {
			end = i
			break
		}
	}
	if host := input[:end]; host != "" {
		var err error
		if p.buf, err = appendHost(p.buf, host, false); err != nil {
			return URL{}, err
		}
	}
	p.hostEnd = len(p.buf)
	return p.pathStart_(input[end:])
}
