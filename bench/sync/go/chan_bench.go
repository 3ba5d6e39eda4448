// The Go peer of bench/sync/main.cpp: the same workloads on Go channels (run by bench/sync/run
// when `go` is installed). Prints one line per workload in the driver's units.
package main

import (
	"flag"
	"fmt"
	"sort"
	"sync"
	"time"
)

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

func throughput(capacity, producers, consumers int, msgs int64) float64 {
	ch := make(chan int64, capacity)
	start := time.Now()
	var ps, cs sync.WaitGroup
	for c := 0; c < consumers; c++ {
		cs.Add(1)
		go func() {
			defer cs.Done()
			var sum int64
			for v := range ch {
				sum += v
			}
			_ = sum
		}()
	}
	for p := 0; p < producers; p++ {
		ps.Add(1)
		go func() {
			defer ps.Done()
			for i := int64(0); i < msgs/int64(producers); i++ {
				ch <- i
			}
		}()
	}
	ps.Wait()
	close(ch)
	cs.Wait()
	return time.Since(start).Seconds()
}

func pingpong(capacity int, trips int64) float64 {
	ping, pong := make(chan int64, capacity), make(chan int64, capacity)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	start := time.Now()
	for i := int64(0); i < trips; i++ {
		ping <- i
		<-pong
	}
	s := time.Since(start).Seconds()
	close(ping)
	return s
}

func run(rounds int, f func() float64) float64 {
	var t []float64
	for r := 0; r < rounds; r++ {
		t = append(t, f())
	}
	return median(t)
}

func main() {
	rounds := flag.Int("rounds", 5, "rounds (median)")
	msgs := flag.Int64("msgs", 1000000, "messages per throughput round")
	trips := flag.Int64("pingpong", 200000, "round trips per ping-pong round")
	flag.Parse()
	for _, w := range []struct {
		name       string
		capacity   int
		prod, cons int
	}{{"throughput 1x1 cap=1", 1, 1, 1}, {"throughput 1x1 cap=64", 64, 1, 1},
		{"throughput 1x1 cap=1024", 1024, 1, 1}, {"throughput 4x4 cap=64", 64, 4, 4}} {
		s := run(*rounds, func() float64 { return throughput(w.capacity, w.prod, w.cons, *msgs) })
		fmt.Printf("%-28s %9.2f M/s\n", w.name, float64(*msgs)/s/1e6)
	}
	for _, c := range []int{1, 0} {
		s := run(*rounds, func() float64 { return pingpong(c, *trips) })
		fmt.Printf("ping-pong cap=%d (per trip)   %10.0f ns\n", c, s/float64(*trips)*1e9)
	}
}
