// The Go peer of `duet fetch` for bench/http/run_client: fetch a list page, take the links whose
// href matches -select, then GET every page with net/http, one goroutine per URL (at most
// -max in flight when -max > 0), counting body bytes. Prints one JSON line like
// `duet fetch --json`: pages, failed, bytes, wall_s (the pages, not the list page).
// -default uses http.DefaultClient as `http.Get(url)` code does (the default Transport keeps 2
// idle connections per host, so most requests open a new connection): the plain Go client,
// beside the tuned one.
// Standard library only: build with `go build` offline.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	crawl := flag.String("crawl", "", "list page URL")
	sel := flag.String("select", "", "regexp on href values")
	max := flag.Int("max", 0, "most requests in flight (0 = one goroutine per URL, all at once)")
	plain := flag.Bool("default", false, "use http.DefaultClient (2 idle connections per host) instead of a tuned Transport")
	flag.Parse()
	if *crawl == "" {
		fmt.Fprintln(os.Stderr, "usage: client_go -crawl URL [-select RE] [-max N] [-default]")
		os.Exit(2)
	}
	conns := *max
	if conns == 0 {
		conns = 10000
	}
	// Keep as many idle connections as there may be requests in flight (the default keeps 2 per
	// host and would close the rest after each use).
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 120 * time.Second}
	if *plain {
		client = http.DefaultClient
	}

	resp, err := client.Get(*crawl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "list page:", err)
		os.Exit(1)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	base, _ := url.Parse(*crawl)
	re := regexp.MustCompile(*sel)
	href := regexp.MustCompile(`href\s*=\s*"([^"]*)"`)
	seen := map[string]bool{}
	var urls []string
	for _, m := range href.FindAllSubmatch(page, -1) {
		h := string(m[1])
		if !re.MatchString(h) {
			continue
		}
		u, err := base.Parse(h)
		if err != nil || seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		urls = append(urls, u.String())
	}

	var bytes, failed int64
	var wg sync.WaitGroup
	var slots chan struct{}
	if *max > 0 {
		slots = make(chan struct{}, *max)
	}
	start := time.Now()
	for _, u := range urls {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			if slots != nil {
				slots <- struct{}{}
				defer func() { <-slots }()
			}
			r, err := client.Get(u)
			if err != nil {
				atomic.AddInt64(&failed, 1)
				return
			}
			n, err := io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if err != nil || r.StatusCode >= 400 {
				atomic.AddInt64(&failed, 1)
				return
			}
			atomic.AddInt64(&bytes, n)
		}(u)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]any{
		"client": "go", "pages": int64(len(urls)) - failed, "failed": failed, "bytes": bytes, "wall_s": wall,
	})
	fmt.Println(string(out))
	if failed > 0 {
		os.Exit(1)
	}
}
