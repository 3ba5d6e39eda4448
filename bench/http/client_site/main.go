// A stand-in for `duet serve` in bench/http/run_client (--site go), and a server that is not
// duet's: a list page at / linking -pages pages at /page/N, each -size bytes after -latency,
// with at most -cap requests served at once (0 = no cap; beyond it they queue, or get 503 with
// -over 503). Prints its address (127.0.0.1:PORT) on stdout. Standard library only.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

func main() {
	pages := flag.Int("pages", 233, "pages linked from the list page")
	size := flag.Int("size", 100*1024, "bytes per page")
	latency := flag.Duration("latency", 590*time.Millisecond, "time before each page is sent")
	capn := flag.Int("cap", 0, "requests served at once (0 = no cap)")
	over := flag.String("over", "queue", "beyond -cap: queue or 503")
	flag.Parse()
	body := []byte(strings.Repeat("duet ", *size/5+1)[:*size])
	var slots chan struct{}
	if *capn > 0 {
		slots = make(chan struct{}, *capn)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		b.WriteString("<html><body>\n")
		for i := 0; i < *pages; i++ {
			fmt.Fprintf(&b, "<a href=\"/page/%d\">page %d</a>\n", i, i)
		}
		b.WriteString("</body></html>\n")
		w.Write([]byte(b.String()))
	})
	http.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) {
		if slots != nil {
			if *over == "503" {
				select {
				case slots <- struct{}{}:
				default:
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
			} else {
				slots <- struct{}{}
			}
			defer func() { <-slots }()
		}
		time.Sleep(*latency)
		w.Write(body)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Addr().String())
	http.Serve(l, nil)
}
