package web

import (
	"strconv"
	"strings"
	"time"

	"nivaran/internal/grievance"
)

// chart is an SVG chart drawn on the server: shapes with their numbers in
// a <title> each (a tooltip, and read out by screen readers), the whole
// described by Label. The table beside it holds the same numbers.
type chart struct {
	Label  string
	W, H   int
	Bars   []chartBar
	Lines  []chartLine
	Texts  []chartText
	Legend []chartLegend
}

type chartBar struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type chartLine struct {
	Points string
	Stroke string
	Title  string
}

type chartText struct {
	X, Y   float64
	Anchor string // start, middle, end
	Text   string
}

type chartLegend struct {
	X, Y  float64
	Fill  string
	Label string
}

// chartColours are distinguishable for the common colour-vision
// deficiencies (Okabe-Ito).
var chartColours = []string{"#0072B2", "#E69F00", "#D55E00", "#000000", "#009E73", "#CC79A7"}

// chartRow is one labelled row of bars.
type chartRow struct {
	Label  string
	Values []int
}

const (
	chartWidth = 720
	chartLabel = 200 // width of the row labels
	chartRight = 60  // room for the numbers after the bars
)

// barChart draws horizontal bars, one row per item: stacked segments
// (stacked) or one thin bar per series side by side.
func barChart(label string, rows []chartRow, series []string, stacked bool) *chart {
	if len(rows) == 0 {
		return nil
	}
	c := &chart{Label: label, W: chartWidth}
	maxV := 1
	for _, r := range rows {
		if stacked {
			maxV = max(maxV, sum(r.Values))
		} else {
			for _, v := range r.Values {
				maxV = max(maxV, v)
			}
		}
	}
	span := float64(chartWidth - chartLabel - chartRight)
	top := 30.0
	if len(series) > 1 {
		for i, s := range series {
			c.Legend = append(c.Legend, chartLegend{X: float64(chartLabel + i*130), Y: 8, Fill: chartColours[i%len(chartColours)], Label: s})
		}
	} else {
		top = 8
	}
	rowH := 28.0
	if !stacked && len(series) > 1 {
		rowH = float64(12*len(series) + 10)
	}
	y := top
	for _, r := range rows {
		c.Texts = append(c.Texts, chartText{X: chartLabel - 8, Y: y + rowH/2 + 4, Anchor: "end", Text: truncate(r.Label, 30)})
		x := float64(chartLabel)
		for i, v := range r.Values {
			w := span * float64(v) / float64(maxV)
			title := r.Label + ": " + strconv.Itoa(v)
			if len(series) > i {
				title = r.Label + " — " + series[i] + ": " + strconv.Itoa(v)
			}
			b := chartBar{W: w, Fill: chartColours[i%len(chartColours)], Title: title}
			if stacked {
				if v == 0 {
					continue // nothing to draw; the row's title and table say so
				}
				b.X, b.Y, b.H = x, y+4, rowH-8
				x += w
			} else {
				h := (rowH - 10) / float64(len(r.Values))
				b.X, b.Y, b.H = x, y+5+float64(i)*h, h-2
				c.Texts = append(c.Texts, chartText{X: x + w + 4, Y: b.Y + b.H - 1, Anchor: "start", Text: strconv.Itoa(v)})
			}
			c.Bars = append(c.Bars, b)
		}
		if stacked {
			c.Texts = append(c.Texts, chartText{X: x + 4, Y: y + rowH/2 + 4, Anchor: "start", Text: strconv.Itoa(sum(r.Values))})
		}
		y += rowH
	}
	c.H = int(y) + 8
	return c
}

// flowChart draws received and disposed per day as two lines.
func flowChart(label string, days []grievance.FlowDay, date func(time.Time) string, received, disposed string) *chart {
	if len(days) == 0 {
		return nil
	}
	const left, top, plotH, bottom = 50.0, 30.0, 200.0, 30.0
	c := &chart{Label: label, W: chartWidth, H: int(top + plotH + bottom)}
	maxV := 1
	for _, d := range days {
		maxV = max(maxV, d.Received, d.Disposed)
	}
	plotW := float64(chartWidth) - left - 20
	step := 0.0
	if len(days) > 1 {
		step = plotW / float64(len(days)-1)
	}
	pt := func(i, v int) (float64, float64) {
		return left + float64(i)*step, top + plotH - plotH*float64(v)/float64(maxV)
	}
	var in, out strings.Builder
	for i, d := range days {
		x, y := pt(i, d.Received)
		in.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64) + " ")
		c.Bars = append(c.Bars, chartBar{X: x - 2.5, Y: y - 2.5, W: 5, H: 5, Fill: chartColours[0],
			Title: date(d.Day) + " — " + received + ": " + strconv.Itoa(d.Received)})
		x, y = pt(i, d.Disposed)
		out.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64) + " ")
		c.Bars = append(c.Bars, chartBar{X: x - 2.5, Y: y - 2.5, W: 5, H: 5, Fill: chartColours[1],
			Title: date(d.Day) + " — " + disposed + ": " + strconv.Itoa(d.Disposed)})
	}
	c.Lines = []chartLine{
		{Points: strings.TrimSpace(in.String()), Stroke: chartColours[0], Title: received},
		{Points: strings.TrimSpace(out.String()), Stroke: chartColours[1], Title: disposed},
	}
	// The axes: the scale's top and zero, the first, middle and last days.
	c.Bars = append(c.Bars, chartBar{X: left, Y: top + plotH, W: plotW, H: 1, Fill: "#767676"})
	c.Texts = append(c.Texts, chartText{X: left - 6, Y: top + 4, Anchor: "end", Text: strconv.Itoa(maxV)},
		chartText{X: left - 6, Y: top + plotH + 4, Anchor: "end", Text: "0"})
	for _, i := range []int{0, len(days) / 2, len(days) - 1} {
		x, _ := pt(i, 0)
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == len(days)-1 {
			anchor = "end"
		}
		c.Texts = append(c.Texts, chartText{X: x, Y: top + plotH + 20, Anchor: anchor, Text: date(days[i].Day)})
		if len(days) == 1 {
			break
		}
	}
	c.Legend = []chartLegend{{X: left, Y: 8, Fill: chartColours[0], Label: received}, {X: left + 160, Y: 8, Fill: chartColours[1], Label: disposed}}
	return c
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
