// One goroutine per task, each sleeping: the Go reference for bench/io/sleepers.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	secs, _ := strconv.ParseFloat(os.Args[2], 64)
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(n)
	d := time.Duration(secs * float64(time.Second))
	for i := 0; i < n; i++ {
		go func() { time.Sleep(d); wg.Done() }()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("go tasks=%d wall=%.3fs peak_rss=%.1fMB bytes_per_task=%.0f\n", n, wall, float64(ru.Maxrss)/1024,
		float64(ru.Maxrss-before.Maxrss)*1024/float64(n))
}
