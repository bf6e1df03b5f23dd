package extract

import (
	"slices"
	"testing"
)

func TestAnchors(t *testing.T) {
	tests := []struct {
		name, html string
		want       []string
	}{
		{"ids in document order", `<h1 id=top>x</h1><p id="a b">y<span id=c>`, []string{"top", "a b", "c"}},
		{"a name", `<a name=intro>i</a><a name="">e</a><div name=no>`, []string{"intro"}},
		{"repeats and empty ids dropped", `<p id=x><p id=""><a id=x name=x>`, []string{"x"}},
		{"svg and math ids count; only an HTML a's name", `<svg><g id=s></g><a name=n></a></svg><math id=m>`, []string{"s", "m"}},
		{"template contents are not the document's", `<template><p id=t></template><p id=after>`, []string{"after"}},
		{"nor an open shadow tree", `<div id=host><template shadowrootmode=open><p id=inside></template><p id=light></div>`, []string{"host", "light"}},
		{"noscript is markup with scripting off", `<noscript><p id=ns></noscript>`, []string{"ns"}},
		{"case is kept", `<p id=Sec><p id=sec>`, []string{"Sec", "sec"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseWith([]byte(tt.html), "text/html", "http://a/", Options{Anchors: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Anchors, tt.want) {
				t.Errorf("anchors %q, want %q", p.Anchors, tt.want)
			}
		})
	}
	if p, _ := ParseWith([]byte(`<p id=x>`), "text/html", "http://a/", Options{}); p.Anchors != nil {
		t.Errorf("anchors %q without Options.Anchors", p.Anchors)
	}
}
