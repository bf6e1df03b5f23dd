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

// Custom fields and button details: the text, or an attribute, of what a
// CSS selector matches, and every button as the DOM reads it.
func ExampleParseWith() {
	html := `<title>Shop</title>
<h2 class=price>€ 12.50</h2><h2 class=price> € 9.99 <small>(sale)</small></h2>
<img class=product src="/img/1.jpg"><img class=product src="2.jpg">
<form action="/cart"><button name=add value=42>Add to <b>cart</b></button><input type=reset></form>
<div role=button>Wishlist</div>`
	price, err := extract.ParseField("price=h2.price")
	if err != nil {
		panic(err)
	}
	images, err := extract.ParseField("images=img.product@src")
	if err != nil {
		panic(err)
	}
	page, err := extract.ParseWith([]byte(html), "text/html; charset=utf-8", "https://shop.example/p/42",
		extract.Options{Fields: []extract.Field{price, images}, ButtonDetails: true})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n%q\n", page.Fields["price"], page.Fields["images"])
	for _, b := range page.ButtonDetails {
		fmt.Printf("%s %s %q form=%s\n", b.Kind, b.Type, b.Text, b.Form)
	}
	// Output:
	// ["€ 12.50" "€ 9.99 (sale)"]
	// ["https://shop.example/img/1.jpg" "https://shop.example/p/2.jpg"]
	// button submit "Add to cart" form=https://shop.example/cart
	// input reset "" form=https://shop.example/cart
	// role  "Wishlist" form=
}
