package main

import (
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// BenchmarkCommitOverhead measures what bottle adds to the backend's own
// work: each iteration is one pair, a bare `docker commit` of a small
// running container and a `bottle commit` of the same container, in
// alternating order so neither always runs on a warmer cache. It reports
// the median of the per-pair differences, the ratio of the medians and
// bottle's peak resident memory. Targets: at most 25 ms and 30 MiB.
//
// The pinned variant has the plugin's checksum verified at every start,
// as after `bottle plugin trust docker`.
//
//	make bench    (or: go test -run '^$' -bench . -benchtime 21x ./plugins/docker)
func BenchmarkCommitOverhead(b *testing.B) {
	b.Run("unpinned", func(b *testing.B) { benchCommit(b, false) })
	b.Run("pinned", func(b *testing.B) { benchCommit(b, true) })
}

func benchCommit(b *testing.B, pinned bool) {
	requireDocker(b)
	s := e2e.NewSandbox(b, bins)
	if pinned {
		s.Env = append(s.Env, "XDG_CONFIG_HOME="+b.TempDir())
		if res := s.Bottle(nil, "plugin", "trust", "docker"); res.Code != 0 {
			b.Fatalf("plugin trust: %s", res.Stderr)
		}
	}
	slug := e2e.RandomSlug("bench")
	name := "bot-bottle-" + slug
	if out, err := exec.Command("docker", "run", "-d", "--name", name, agentImage,
		"write", "/work/hello.txt", "bench").CombinedOutput(); err != nil {
		b.Fatalf("docker run: %v: %s", err, out)
	}
	defer exec.Command("docker", "rm", "-f", name).Run()
	defer removeImages(slug) // the bare commits carry the same label

	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))

	bare := func() *exec.Cmd {
		return exec.Command("docker", "commit", "-c", "LABEL "+shared.LabelSlug+"="+slug,
			name, "bottle-bench-bare:latest")
	}
	viaBottle := func() *exec.Cmd { return s.Command(b.Context(), nil, "commit", slug) }

	var bareTimes, bottleTimes, diffs []time.Duration
	var peakRSS int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var tb, tw time.Duration
		if i%2 == 0 {
			tb = timeRun(b, bare())
			tw, peakRSS = timeBottle(b, viaBottle(), peakRSS)
		} else {
			tw, peakRSS = timeBottle(b, viaBottle(), peakRSS)
			tb = timeRun(b, bare())
		}
		bareTimes, bottleTimes = append(bareTimes, tb), append(bottleTimes, tw)
		diffs = append(diffs, tw-tb)
	}
	b.StopTimer()

	medDiff, medBare, medBottle := median(diffs), median(bareTimes), median(bottleTimes)
	b.ReportMetric(ms(medDiff), "overhead-ms")
	b.ReportMetric(float64(medBottle)/float64(medBare), "ratio")
	b.ReportMetric(float64(peakRSS)/1024, "peak-rss-MiB")
	fmt.Printf("pairs=%d  docker commit median %.1f ms  bottle commit median %.1f ms  "+
		"median difference %.1f ms  ratio %.2f  bottle peak RSS %.1f MiB\n",
		len(diffs), ms(medBare), ms(medBottle), ms(medDiff),
		float64(medBottle)/float64(medBare), float64(peakRSS)/1024)
}

func timeRun(b *testing.B, cmd *exec.Cmd) time.Duration {
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %v: %s", cmd.Args, err, out)
	}
	return time.Since(start)
}

// timeBottle runs bottle and returns its wall time and the larger of
// peak and its peak resident set size in KiB.
func timeBottle(b *testing.B, cmd *exec.Cmd, peak int64) (time.Duration, int64) {
	d := timeRun(b, cmd)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = max(peak, ru.Maxrss)
	}
	return d, peak
}

func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
