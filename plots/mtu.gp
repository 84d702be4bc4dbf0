# plots/mtu.gp: TCP bandwidth against the MTU (SOSP'03 Table 6, which has
# two MTUs, 1500 and 500, extended to a sweep). Top panel: iperf3 Mbit/s
# per configuration (median over boots, bars from min to max), TX solid,
# RX dashed, the paper's Linux and Xen as open symbols; bottom panel: each
# PV configuration divided by native at the same MTU, and the paper's
# Xen / Linux. The x axis (MTU) is logarithmic.
#
#   gnuplot -e "datafile='paper/figures/mtu.dat'; outfile='paper/figures/mtu'" plots/mtu.gp
#
# writes outfile.png and outfile.pdf. datafile is what harness/pvxlib/
# netreport.py writes (plots/README.md): tab-separated, '#' comments,
# blocks separated by two blank lines, each starting with a header row:
#   index 0  the paper: mtu, Linux TX, Linux RX, Xen TX, Xen RX
#   index 1  ratios: mtu, per PV configuration its TX and RX ratio to
#            native, then the paper's TX and RX (Xen / Linux)
#   index 2  the native configuration, then index 3.. the others in the
#            order of index 1's columns: mtu, TX median, min, max, RX
#            median, min, max
# "?" is a missing value (an MTU the guest did not support, no data).

if (!exists("datafile")) datafile = "mtu.dat"
if (!exists("outfile")) outfile = "mtu"
n = strlen(outfile)
if (n > 4 && (outfile[n-3:n] eq ".png" || outfile[n-3:n] eq ".pdf")) \
    outfile = outfile[1:n-4]

set datafile separator "\t"
set datafile missing "?"
set datafile commentschars "#"
set datafile columnheaders

stats datafile using 1 nooutput
nblocks = STATS_blocks                 # (the next stats, of one block, overwrites it)
nseries = nblocks - 2
if (nseries < 1) { print "mtu.gp: no configuration in ", datafile; exit status 1 }
stats datafile index 1 using 1 nooutput
ncols = STATS_columns
npv = (ncols - 3) / 2

# x: every MTU of the data and the paper's; y: every bandwidth, from 0
xmin = 500; xmax = 1500; ymax = 1000; rmax = 1.2
acc(c) = valid(c) ? (ymax = column(c) > ymax ? column(c) : ymax, 0) : 0
do for [b=2:nblocks - 1] {
    stats datafile index b using (xmin = column(1) < xmin ? column(1) : xmin, \
                                  xmax = column(1) > xmax ? column(1) : xmax, \
                                  acc(4) + acc(7)) nooutput
}
racc(c) = valid(c) ? (rmax = column(c) > rmax ? column(c) : rmax, 0) : 0
stats datafile index 1 using (sum [c=2:ncols] racc(c)) nooutput
ymax = ymax * 1.12
rmax = rmax * 1.1

# Okabe-Ito (colour-blind safe); configuration i (0 = native) gets COLOR[i+1]
array COLOR[7] = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442"]
color(i) = COLOR[(i % 7) + 1]

set logscale x
set xrange [xmin / 1.15 : xmax * 1.15]
set xtics ("500" 500, "576" 576, "1000" 1000, "1500" 1500, "3000" 3000, "9000" 9000, \
           "65535" 65535)
set mxtics 1
set xtics nomirror
set ytics nomirror
set border 3 back
set grid ytics lc rgb "#d0d0d0" lw 1 dt 1

do for [format in "png pdf"] {
    if (format eq "png") {
        if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
            set terminal pngcairo size 1200,1150 font "Helvetica,17" linewidth 2 \
                enhanced background "white"
        } else {
            set terminal png size 1200,1150 font "Helvetica,14" linewidth 2 enhanced
        }
        PS = 1.0
    } else {
        if (strstrt(GPVAL_TERMINALS, "pdfcairo") == 0) {
            print "mtu.gp: no pdfcairo terminal, so no PDF"
            break
        }
        set terminal pdfcairo size 6in,5.75in font "Helvetica,11" linewidth 1 enhanced
        PS = 0.55
    }
    set output outfile . "." . format
    set multiplot
    set lmargin at screen 0.12
    set rmargin at screen 0.97

    # top: bandwidth
    set tmargin at screen 0.89
    set bmargin at screen 0.50
    set key at screen 0.54, screen 0.995 horizontal center top maxcols 3 samplen 2.5 \
        spacing 1.1 width 1 noenhanced
    set format x ""
    unset xlabel
    set yrange [0 : ymax]
    set ylabel "TCP bandwidth (Mbit/s)"
    # k = 2 * configuration + (0: TX, 1: RX), so each configuration's two
    # lines sit together in the key; TX drawn a little left of its MTU and
    # RX a little right, so that their min-max bars do not hide each other
    plot for [k=0:2 * nseries - 1] datafile index (k / 2 + 2) \
             using ((k % 2) ? $1 * 1.02 : $1 / 1.02):(column(2 + 3 * (k % 2))): \
                   (column(3 + 3 * (k % 2))):(column(4 + 3 * (k % 2))) with yerrorlines \
             lc rgb color(k / 2) pt ((k % 2) ? 5 : 7) ps 1.25 * PS lw 2 dt 1 + (k % 2) \
             title columnheader(2 + 3 * (k % 2)), \
         datafile index 0 using 1:2 with points lc rgb "black" pt 6 ps 2 * PS lw 2 \
             title columnheader(2), \
         datafile index 0 using 1:3 with points lc rgb "black" pt 8 ps 2 * PS lw 2 \
             title columnheader(3), \
         datafile index 0 using 1:4 with points lc rgb "#808080" pt 4 ps 2 * PS lw 2 \
             title columnheader(4), \
         datafile index 0 using 1:5 with points lc rgb "#808080" pt 10 ps 2 * PS lw 2 \
             title columnheader(5)

    # bottom: PV / native
    set tmargin at screen 0.43
    set bmargin at screen 0.10
    unset key
    set format x "%g"
    set xlabel "MTU (bytes, log scale)"
    set yrange [0 : rmax]
    set ylabel "PV / native"
    if (npv == 0) {
        set label 2 "no PV configuration in this run" at graph 0.5, graph 0.5 center
    }
    plot 1 with lines lc rgb "black" lw 1 dt 1 notitle, \
         for [j=0:npv - 1] datafile index 1 using 1:(column(2 + 2 * j)) with linespoints \
             lc rgb color(j + 1) pt 7 ps 1.3 * PS lw 2 notitle, \
         for [j=0:npv - 1] datafile index 1 using 1:(column(3 + 2 * j)) with linespoints \
             lc rgb color(j + 1) pt 5 ps 1.2 * PS lw 2 dt 2 notitle, \
         datafile index 1 using 1:(column(ncols - 1)) with points lc rgb "black" pt 6 \
             ps 2 * PS lw 2 notitle, \
         datafile index 1 using 1:(column(ncols)) with points lc rgb "black" pt 8 \
             ps 2 * PS lw 2 notitle
    unset label 2
    unset multiplot
    set output
}
