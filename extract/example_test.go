package extract_test

import (
	"fmt"

	"github.com/crawlkit/crawl/extract"
)

// Extracting one HTML string: the button ids and the links as a browser
// resolves them, against the document's URL or its <base>.
func ExampleParseBytes() {
	html := `<!DOCTYPE html>
<base href="https://example.com/docs/">
<button id="buy">Buy</button> <button>no id</button>
<a href="intro#top">Intro</a> <a href="../about">About</a> <a href="mailto:hi@example.com">Mail</a>
<svg><a href="/diagram">an SVG link</a></svg>
<!-- <a href="/commented-out"> -->`
	page, err := extract.ParseBytes([]byte(html), "text/html; charset=utf-8", "https://example.com/page")
	if err != nil {
		panic(err)
	}
	fmt.Println(page.Buttons)
	for _, l := range page.Links {
		fmt.Println(l)
	}
	fmt.Println(page.Charset)
	// Output:
	// [buy]
	// https://example.com/docs/intro#top
	// https://example.com/about
	// mailto:hi@example.com
	// https://example.com/diagram
	// utf-8
}
