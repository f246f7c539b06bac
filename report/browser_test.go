package report

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"concbench/resultfmt"
)

// chromiumNames are the executables the browser test looks for on PATH;
// CONCBENCH_CHROMIUM names another.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// findChromium returns the path of a Chromium, or why there is none.
func findChromium() (string, error) {
	if p := os.Getenv("CONCBENCH_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium for the browser test: none of %s on PATH (install it: apt-get install -y chromium, as .ci/run does; or set CONCBENCH_CHROMIUM)", strings.Join(chromiumNames, ", "))
}

// browser starts a headless Chromium with a fresh profile and the flags
// this closed network needs, and returns a tab's context and the page's
// console errors and exceptions so far.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	exe, err := findChromium()
	if err != nil {
		t.Fatal(err) // fail, never skip: CI installs chromium
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-device-scale-factor", "1"), chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	var mu sync.Mutex
	var errs []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				errs = append(errs, fmt.Sprintf("console.error %v", e.Args))
			}
		case *runtime.EventExceptionThrown:
			errs = append(errs, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				errs = append(errs, "log: "+e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(errs)
	}
}

// eval evaluates a script in the page, failing the test on error.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", js, err)
	}
	return v
}

// pixelsJS counts, for each model of a chart, the pixels of the plot area
// in the model's colour: proof the series is drawn (and gone when hidden).
const pixelsJS = `(function (id) {
  var c = concbench.charts[id], u = c.plot(), out = {};
  var b = u.bbox, img = u.ctx.getImageData(b.left, b.top, b.width, b.height).data;
  c.chart.series.forEach(function (s) {
    var r = parseInt(s.color.slice(1, 3), 16), g = parseInt(s.color.slice(3, 5), 16), bl = parseInt(s.color.slice(5, 7), 16), n = 0;
    for (var i = 0; i < img.length; i += 4) {
      if (img[i + 3] > 200 && Math.abs(img[i] - r) + Math.abs(img[i + 1] - g) + Math.abs(img[i + 2] - bl) < 24) n++;
    }
    out[s.model] = n;
  });
  return out;
})(%q)`

// showOnlyJS shows one model's series of a chart (all of them for ""), so
// that series drawn over each other are each seen alone; uPlot redraws
// before the next evaluation.
const showOnlyJS = `(function (id, model) {
  var c = concbench.charts[id], u = c.plot();
  c.chart.series.forEach(function (s, k) { u.setSeries(k + 1, { show: model === "" || s.model === model }); });
  return true;
})(%q, %q)`

// TestHTMLReportInBrowser opens report.html from a file:// URL in a real
// Chromium: no console errors, every chart drawn with one series per model,
// hover shows the value results.json holds, a legend click hides a model.
// CONCBENCH_BROWSER_RESULTS=DIR runs it on DIR's results instead of the
// fixture; CONCBENCH_SCREENSHOTS=DIR keeps the screenshots there.
func TestHTMLReportInBrowser(t *testing.T) {
	start := time.Now()
	dir := fixtureDir(t)
	if src := os.Getenv("CONCBENCH_BROWSER_RESULTS"); src != "" {
		// Another results directory (e.g. results/default, for the
		// screenshot in README): its results file, copied.
		f, err := resultfmt.ReadFile(filepath.Join(src, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		dir = t.TempDir()
		if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
			t.Fatal(err)
		}
	}
	r, err := GenerateContext(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, consoleErrors := browser(t)
	url := "file://" + filepath.Join(dir, HTMLFile)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void]("window.concbench && window.concbench.ready", chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the page never finished drawing: %v (console: %v)", err, consoleErrors())
	}

	// Every chart: the models of its data drawn as series, each visible.
	want := webCharts(r.Data, r.Charts)
	if len(want) < len(builders) {
		t.Fatalf("%d interactive charts for %d chart families", len(want), len(builders))
	}
	for _, wc := range want {
		// What uPlot drew: each series' label and its points drawn (non-null
		// values), the scales' distributions (3: log), the legend's texts.
		type drawn struct {
			Labels []string
			Points []int
			LogX   bool
			LogY   bool
			Legend []string
		}
		got := eval[drawn](t, ctx, fmt.Sprintf(`(function (id) { var c = concbench.charts[id]; if (!c) return {}; var u = c.plot();
			var fig = u.root.closest('figure') || u.root.parentNode.parentNode;
			return { labels: u.series.slice(1).map(function (s) { return s.label; }),
			  points: u.data.slice(1).map(function (ys) { return ys.filter(function (y) { return y !== null && y !== undefined; }).length; }),
			  logX: u.scales.x.distr === 3, logY: u.scales.y.distr === 3,
			  legend: Array.from(fig.querySelectorAll('.legend-item, .legend-ref')).map(function (e) { return e.textContent; }) }; })(%q)`, wc.ID))
		spec := drawnOf(wc)
		if !slices.Equal(got.Labels, spec.Labels) || !slices.Equal(got.Legend, spec.Labels) {
			t.Errorf("chart %s: series %q, legend %q; the spec has %q", wc.ID, got.Labels, got.Legend, spec.Labels)
		}
		if !slices.Equal(got.Points, spec.Points) {
			t.Errorf("chart %s: points drawn per series %v, the spec has %v", wc.ID, got.Points, spec.Points)
		}
		if got.LogX != wc.X.Log || got.LogY != wc.Y.Log {
			t.Errorf("chart %s: log scales x %v y %v, the spec says x %v y %v", wc.ID, got.LogX, got.LogY, wc.X.Log, wc.Y.Log)
		}
		var models []string
		for _, s := range wc.Series {
			models = append(models, s.Model)
		}
		for _, m := range models {
			eval[bool](t, ctx, fmt.Sprintf(showOnlyJS, wc.ID, m))
			if px := eval[map[string]int](t, ctx, fmt.Sprintf(pixelsJS, wc.ID)); px[m] == 0 {
				t.Errorf("chart %s: no pixel of %s's colour in the plot: its series was not drawn", wc.ID, m)
			}
		}
		eval[bool](t, ctx, fmt.Sprintf(showOnlyJS, wc.ID, ""))
	}
	if ms := SeriesOf(r.Data.Tag(resultfmt.TagThroughput)); !slices.Equal(ms, seriesModels(want[0])) {
		t.Errorf("throughput chart models %v, want the results' %v", seriesModels(want[0]), ms)
	}

	// Hover the throughput point of one model and workload: the tooltip
	// shows the median of the repeats in results.json and their range.
	model, workload := "eventloop", "io-sleep"
	f, err := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tputs []float64
	for _, tr := range f.Trials {
		if tr.Spec.Tag == resultfmt.TagThroughput && tr.Spec.Model == model && tr.Spec.Workload == workload && tr.Repeat >= 0 {
			tputs = append(tputs, tr.Throughput)
		}
	}
	if len(tputs) < 2 {
		t.Fatalf("fixture lacks repeats of %s/%s", model, workload)
	}
	tip := hover(t, ctx, "throughput", model, workload)
	st := resultfmt.StatOf(tputs)
	nums := numbersIn(tip)
	for _, v := range []float64{st.Median, st.Min, st.Max} {
		if !slices.ContainsFunc(nums, func(x float64) bool { return math.Abs(x-v) <= 1e-6*math.Abs(v) }) {
			t.Errorf("tooltip %q lacks %g (median %g, min %g, max %g of %s/%s throughput in results.json)", tip, v, st.Median, st.Min, st.Max, model, workload)
		}
	}
	if !strings.Contains(tip, model) || !strings.Contains(tip, workload) || !strings.Contains(tip, fmt.Sprintf("over %d repeats", len(tputs))) {
		t.Errorf("tooltip %q does not name the model, the workload and the repeats", tip)
	}
	view, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	save(t, "report-chart.png", view) // the chart in view, its tooltip open

	// A click on the model's legend entry hides its series.
	clickAt(t, ctx, fmt.Sprintf(`#chart-throughput .legend-item[data-model=%q]`, model))
	hidden := eval[[]string](t, ctx, `concbench.charts.throughput.hidden()`)
	px := eval[map[string]int](t, ctx, fmt.Sprintf(pixelsJS, "throughput"))
	shown := eval[[]bool](t, ctx, `concbench.charts.throughput.plot().series.slice(1).map(function (s) { return s.show; })`)
	idx := slices.Index(seriesModels(want[0]), model)
	if !slices.Equal(hidden, []string{model}) || px[model] != 0 || idx < 0 || shown[idx] {
		t.Errorf("after a click on %s in the legend: hidden %v, %d pixels of its colour, shown %v; want it hidden and gone", model, hidden, px[model], shown)
	}
	for m, n := range px {
		if m != model && n == 0 {
			t.Errorf("hiding %s also removed %s", model, m)
		}
	}

	// The log/linear toggle of the throughput axis redraws it linear.
	clickAt(t, ctx, `#chart-throughput .scale-toggle[data-axis="y"]`)
	if lg := eval[map[string]bool](t, ctx, `(function () { var c = concbench.charts.throughput; return { y: c.log().y, distr3: c.plot().scales.y.distr === 3 }; })()`); lg["y"] || lg["distr3"] {
		t.Errorf("after the y-axis toggle the throughput chart is still logarithmic: %v", lg)
	}

	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
	full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	save(t, "report-full.png", full)
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

func seriesModels(wc *chartSpec) []string {
	var out []string
	for _, s := range wc.Series {
		out = append(out, s.Model)
	}
	return out
}

// hover moves the mouse over a model's point at a category of a chart and
// returns the tooltip's text.
func hover(t *testing.T, ctx context.Context, chart, model, cat string) string {
	t.Helper()
	xy := eval[[]float64](t, ctx, fmt.Sprintf(`(function (id, model, cat) {
		var c = concbench.charts[id], u = c.plot();
		var s = c.chart.series.find(function (s) { return s.model === model; });
		var ci = c.chart.cats.findIndex(function (x) { return x.split(' ')[0] === cat; });
		var p = s.pts.find(function (p) { return Math.round(p.x) === ci; });
		u.over.scrollIntoView({ block: 'center' });
		var r = u.over.getBoundingClientRect();
		return [r.left + u.valToPos(p.x, 'x'), r.top + u.valToPos(p.y, 'y')];
	})(%q, %q, %q)`, chart, model, cat))
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", xy[0]-3, xy[1]-2), chromedp.MouseEvent("mouseMoved", xy[0], xy[1])); err != nil {
		t.Fatal(err)
	}
	tip, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`(function () { var e = document.querySelector('#chart-%s .tip'); return e && e.style.display === 'block' && e.innerText; })()`, chart),
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("no tooltip over %s/%s in chart %s: %v", model, cat, chart, err)
	}
	return tip
}

// clickAt clicks the middle of the element sel with the mouse.
func clickAt(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	xy := eval[[]float64](t, ctx, fmt.Sprintf(`(function (sel) { var e = document.querySelector(sel); e.scrollIntoView({ block: 'center' });
		var r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })(%q)`, sel))
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

var numberRE = regexp.MustCompile(`-?\d+(\.\d+)?(e[-+]?\d+)?`)

// numbersIn returns the numbers written in s.
func numbersIn(s string) []float64 {
	var out []float64
	for _, m := range numberRE.FindAllString(s, -1) {
		if v, err := strconv.ParseFloat(m, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// save writes a screenshot to the test's temporary directory, and to
// CONCBENCH_SCREENSHOTS when set (to look at, or to publish).
func save(t *testing.T, name string, b []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("CONCBENCH_SCREENSHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// specDrawn is what a chart spec asks uPlot to draw: the labels of its
// series then its reference lines, and each one's points at distinct x
// (uPlot aligns the series on their x values; a log axis cannot show a
// value <= 0).
type specDrawn struct {
	Labels []string
	Points []int
}

func drawnOf(wc *chartSpec) specDrawn {
	var d specDrawn
	for _, s := range append(slices.Clone(wc.Series), wc.Refs...) {
		d.Labels = append(d.Labels, s.Label)
		xs := map[float64]bool{}
		for _, p := range s.Pts {
			if (wc.X.Log && p.X <= 0) || (wc.Y.Log && p.Y <= 0) {
				continue
			}
			xs[p.X] = true
		}
		d.Points = append(d.Points, len(xs))
	}
	return d
}
