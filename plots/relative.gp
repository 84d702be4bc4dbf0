# plots/relative.gp: the SOSP'03 Figure 3 style for the microbenchmarks.
# One panel per table (3, 4, 5), one group of bars per column of the
# table, one bar per configuration: its median time divided by native's,
# drawn from 1 on a log scale (above the line = slower than native). The
# hatched bar of each group is the paper's Xen / L-UP for that column; the
# last group of a panel is the geometric mean; "n/a" marks a missing value.
#
#   gnuplot -e "datafile='paper/figures/relative.dat'; outfile='paper/figures/relative'" plots/relative.gp
#
# writes outfile.png and outfile.pdf. datafile is what harness/pvxlib/
# figures.py writes (plots/README.md): tab-separated, '#' comments, then one
# block per table (index 0, 1, 2), each with a header row; columns slot,
# table, metric, column, label, the paper's ratio, then one ratio per
# configuration; "?" is a missing value. Any number of configurations
# (7 distinct colours, then they repeat).

if (!exists("datafile")) datafile = "relative.dat"
if (!exists("outfile")) outfile = "relative"
n = strlen(outfile)
if (n > 4 && (outfile[n-3:n] eq ".png" || outfile[n-3:n] eq ".pdf")) \
    outfile = outfile[1:n-4]

set datafile separator "\t"
set datafile missing "?"
set datafile commentschars "#"
set datafile columnheaders              # each block (table) starts with the header row

FIRST = 6                               # the paper's ratio; configurations follow
stats datafile using 1 nooutput
ncols = STATS_columns
nbars = ncols - FIRST + 1
if (nbars < 1) { print "relative.gp: no ratio columns in ", datafile; exit status 1 }

# groups per table, counted before any range is set (stats skips points
# outside the current ranges)
# and the slot of the row of geometric means, if there is one (-1 if not)
array NGROUPS[3]
array GEOSLOT[3]
do for [p=0:2] {
    g = -1
    stats datafile index p using (strcol(3) eq "geomean" ? (g = column(1), 0) : 0) nooutput
    NGROUPS[p + 1] = STATS_records
    GEOSLOT[p + 1] = g
}

# y range: every ratio, and 1, with some room; whole decades look odd when
# all bars are near 1, so the axis ends at the 1-2-5 tick beyond the data
lo = 1.0; hi = 1.0
acc(c) = valid(c) ? (lo = (column(c) < lo ? column(c) : lo), \
                     hi = (column(c) > hi ? column(c) : hi), 0) : 0
stats datafile using (sum [c=FIRST:ncols] acc(c)) nooutput
step125(v, up) = (e = floor(log10(v)), m = v / 10**e, \
    up ? (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * 10**e \
       : (m >= 5 ? 5 : m >= 2 ? 2 : 1) * 10**e)
ymax = step125(hi * 1.05, 1)
ymin = step125(lo / 1.05, 0)
if (ymin > 0.5) ymin = 0.5
if (ymax < 2) ymax = 2

# colours: the paper's bar grey, then Okabe-Ito (colour-blind safe)
array COLOR[8] = ["#606060", "#0072B2", "#E69F00", "#009E73", "#D55E00", \
                  "#56B4E9", "#CC79A7", "#F0E442"]
color(j) = j == 0 ? COLOR[1] : COLOR[((j - 1) % 7) + 2]     # 0: the paper

array TITLE[3] = ["Table 3: processes", "Table 4: context switches", \
                  "Table 5: file and VM system latencies"]

GROUP = 0.82                            # width of a group of bars, in slots
bw = GROUP / nbars
bx(j) = column(1) - GROUP / 2 + bw * (j + 0.5)

set logscale y 10
set yrange [ymin:ymax]
set ytics ("0.01" 0.01, "0.02" 0.02, "0.05" 0.05, "0.1" 0.1, "0.2" 0.2, "0.5" 0.5, \
           "1" 1, "2" 2, "5" 5, "10" 10, "20" 20, "50" 50, "100" 100, "200" 200, \
           "500" 500, "1000" 1000, "2000" 2000, "5000" 5000, "10^4" 1e4)
set mytics 1
set grid ytics lc rgb "#d0d0d0" lw 1 dt 1
set grid noxtics
set xtics nomirror scale 0
set ytics nomirror
set border 3 back
set tics front
set style fill solid 1.0 border lc rgb "black"

# the key above the panels: the native line, the paper, then the
# configurations, three entries a row
set key horizontal center top maxcols 3 samplen 2 spacing 1.1 width 1 reverse Left
keyrows = ceil((nbars + 1) / 3.0)

do for [format in "png pdf"] {
    if (format eq "png") {
        # pngcairo, else gnuplot's own png terminal (no cairo: plainer output)
        if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
            set terminal pngcairo size 1400,1640 font "Helvetica,17" linewidth 2 \
                enhanced background "white"
            SMALL = "Helvetica,12"
        } else {
            set terminal png size 1400,1640 font "Helvetica,14" linewidth 2 enhanced
            SMALL = "Helvetica,10"
        }
    } else {
        if (strstrt(GPVAL_TERMINALS, "pdfcairo") == 0) {
            print "relative.gp: no pdfcairo terminal, so no PDF"
            break
        }
        # 7 inches: a full text width; 11 pt reads as about 9 pt in a 6-inch column
        set terminal pdfcairo size 7in,8.2in font "Helvetica,11" linewidth 1 enhanced
        SMALL = "Helvetica,7.5"
    }
    set output outfile . "." . format
    set multiplot

    # three panels, the key above the first; all share the left and right margins
    top = 0.955 - 0.02 * keyrows; gap = 0.105; height = (top - 0.045 - 2 * gap) / 3
    set lmargin at screen 0.1
    set rmargin at screen 0.99
    set label 1 "time relative to native Linux: config / native (log scale)\n1 = as fast as native; higher = slower" \
        at screen 0.022, screen (top + 0.045) / 2 rotate by 90 center
    do for [t=3:5] {
        p = t - 3
        set tmargin at screen top - p * (height + gap)
        set bmargin at screen top - p * (height + gap) - height
        set xrange [-0.55 : NGROUPS[p + 1] - 0.45]
        unset arrow 1
        if (GEOSLOT[p + 1] >= 0) {
            set arrow 1 from GEOSLOT[p + 1] - 0.5, graph 0 to GEOSLOT[p + 1] - 0.5, graph 1 \
                nohead dt 2 lc rgb "#808080" lw 1 back
        }
        set title TITLE[t - 2] offset 0, -0.6
        if (t == 3) {
            set key at screen 0.5, screen 0.995
        } else {
            unset key
        }
        plot 1 with lines lc rgb "black" lw 1.5 title "native Linux = 1", \
             datafile index p using 1:(NaN):xtic(5) with points ps 0 notitle, \
             datafile index p using (bx(0)):(1):(bx(0) - bw / 2):(bx(0) + bw / 2):(1):(column(FIRST)) \
                 with boxxyerror lc rgb color(0) fs pattern 6 border lc rgb "black" \
                 title columnheader(FIRST) noenhanced, \
             for [j=1:nbars-1] datafile index p \
                 using (bx(j)):(1):(bx(j) - bw / 2):(bx(j) + bw / 2):(1):(column(FIRST + j)) \
                 with boxxyerror lc rgb color(j) fs solid 1.0 border lc rgb "black" \
                 title columnheader(FIRST + j) noenhanced, \
             for [j=1:nbars-1] datafile index p \
                 using (bx(j)):(1):(valid(FIRST + j) ? "" : "n/a") \
                 with labels rotate by 90 left offset 0, 0.4 font SMALL tc rgb "#404040" notitle
        unset label 1
    }
    unset multiplot
    set output
}
