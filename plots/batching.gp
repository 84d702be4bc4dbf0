# plots/batching.gp: fork and exec against the page-table update batch
# size (SOSP'03 Section 4.2: "XenoLinux can amortize each hypercall across
# 2048 updates"). Top panel: fork+exit+wait and fork+execve+wait latency
# (median, bars from min to max) per batch limit N (xen_mmu_batch=N, log2
# x axis), native Linux as dashed lines; bottom panel: page-table
# hypercalls into PVX per process. The configuration without
# xen_mmu_batch (Linux's own limit, 31) is an open diamond in the phase's
# colour.
#
#   gnuplot -e "datafile='paper/batching.dat'; outfile='paper/figures/batching'" plots/batching.gp
#
# writes outfile.png and outfile.pdf. datafile is what `harness/pvx
# report-batching` writes (harness/pvxlib/batching.py, render_dat): '#'
# comments naming the columns, one tab-separated row per configuration,
# NaN for no value. The columns read here, by number:
#   3 label (native | batch_N | default), 4 batch_limit,
#   5-7 fork_us, fork_us_min, fork_us_max, 9-11 exec_us, exec_us_min,
#   exec_us_max, 17 fork_pt_hypercalls, 22 exec_pt_hypercalls.
# harness/pvxlib/figures.py checks these names before running the script.

if (!exists("datafile")) datafile = "batching.dat"
if (!exists("outfile")) outfile = "batching"
n = strlen(outfile)
if (n > 4 && (outfile[n-3:n] eq ".png" || outfile[n-3:n] eq ".pdf")) \
    outfile = outfile[1:n-4]

set datafile separator "\t"
set datafile missing "?"

is(prefix) = strstrt(strcol(3), prefix) == 1
batch(c) = is("batch_") ? column(c) : NaN
dflt(c) = is("default") ? column(c) : NaN

# native Linux's latencies (NaN if the file has no native row) and the
# x range: the batch limits, from a little below 1 to a little above the
# largest
nat_fork = NaN; nat_exec = NaN; bmax = 1
stats datafile using (is("native") ? (nat_fork = column(5), nat_exec = column(9), 0) : \
                      (bmax = (valid(4) && column(4) > bmax) ? column(4) : bmax, 0)) nooutput
have_native = (nat_fork == nat_fork) || (nat_exec == nat_exec)

# how many PVX values each panel has (NaN != NaN): gnuplot refuses to draw
# a panel without a single point, so an empty one gets a note instead
ok(c) = (valid(c) && column(c) == column(c)) ? 1 : 0
nlat = 0; nhc = 0
stats datafile using ((is("batch_") || is("default")) && ok(4) ? \
    (nlat = nlat + ok(5) + ok(9), nhc = nhc + ok(17) + ok(22), 0) : 0) nooutput

FORK = "#0072B2"; EXEC = "#D55E00"     # Okabe-Ito blue and vermillion

set logscale x 2
set xrange [0.8 : bmax * 1.25]
set mxtics 1
# x tics at the powers of 2 up to the largest limit, and at that limit
# (Linux's 31) unless it is close to the last power; labels only on the
# bottom panel
TOP = floor(log(bmax) / log(2) + 1e-9)
set yrange [0:*]
set ytics nomirror
set xtics nomirror
set border 3 back
set grid ytics lc rgb "#d0d0d0" lw 1 dt 1
set key horizontal center top maxrows 3 maxcols 2 samplen 2.5 spacing 1.15 width 1 reverse Left

do for [format in "png pdf"] {
    if (format eq "png") {
        if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
            set terminal pngcairo size 1200,1150 font "Helvetica,17" linewidth 2 \
                enhanced background "white"
            PS = 1.0
        } else {
            set terminal png size 1200,1150 font "Helvetica,14" linewidth 2 enhanced
            PS = 1.0
        }
    } else {
        if (strstrt(GPVAL_TERMINALS, "pdfcairo") == 0) {
            print "batching.gp: no pdfcairo terminal, so no PDF"
            break
        }
        set terminal pdfcairo size 6in,5.75in font "Helvetica,11" linewidth 1 enhanced
        PS = 0.55                       # pdfcairo's points are larger for the size
    }
    set output outfile . "." . format
    set multiplot
    set lmargin at screen 0.12
    set rmargin at screen 0.97

    # top: latency
    set tmargin at screen 0.885
    set bmargin at screen 0.53
    set key at screen 0.54, screen 0.995
    set xtics ("" 1)
    do for [k=1:TOP] { set xtics add ("" 2**k) }
    if (bmax / 2**TOP >= 1.3) { set xtics add ("" bmax) }
    unset xlabel
    set ylabel "latency per process (µs)"
    # key, filled column by column: PVX in the first, native Linux in the second
    if (nlat == 0) {
        set label 2 "no latency in this data file" at graph 0.5, graph 0.5 center
        set yrange [0:1]
    }
    plot datafile using (batch(4)):(batch(5)):(batch(6)):(batch(7)) with yerrorlines \
             lc rgb FORK pt 7 ps 1.3*PS lw 2 title "PVX, fork+exit", \
         datafile using (batch(4)):(batch(9)):(batch(10)):(batch(11)) with yerrorlines \
             lc rgb EXEC pt 5 ps 1.2*PS lw 2 title "PVX, fork+execve", \
         datafile using (dflt(4)):(dflt(5)) with points lc rgb FORK pt 12 ps 2.6*PS lw 2.5 \
             notitle, \
         datafile using (dflt(4)):(dflt(9)) with points lc rgb EXEC pt 12 ps 2.6*PS lw 2.5 \
             notitle, \
         keyentry with points lc rgb "black" pt 12 ps 2.6*PS lw 2.5 \
             title "PVX, no xen\\_mmu\\_batch (Linux: 31)", \
         (have_native ? nat_fork : NaN) with lines lc rgb FORK dt (7, 4) lw 2 \
             title "native Linux, fork+exit", \
         (have_native ? nat_exec : NaN) with lines lc rgb EXEC dt (7, 4) lw 2 \
             title "native Linux, fork+execve"

    # bottom: page-table hypercalls
    set tmargin at screen 0.46
    set bmargin at screen 0.10
    unset key
    set xtics ("1" 1)
    do for [k=1:TOP] { set xtics add (sprintf("%d", 2**k) 2**k) }
    if (bmax / 2**TOP >= 1.3) { set xtics add (sprintf("%g", bmax) bmax) }
    set xlabel "batch limit N: at most N page-table updates per hypercall (xen\\_mmu\\_batch=N, log_2 scale)"
    set ylabel "page-table hypercalls per process"
    unset label 2
    set yrange [0:*]
    if (nhc == 0) {
        set label 2 "no hypercall counts in this data file" at graph 0.5, graph 0.5 center
        set yrange [0:1]
        set ytics ("" 0)
    }
    plot (nhc == 0 ? 2 : NaN) notitle, \
         datafile using (batch(4)):(batch(17)) with linespoints lc rgb FORK pt 7 ps 1.3*PS lw 2 \
             title "fork+exit+wait", \
         datafile using (batch(4)):(batch(22)) with linespoints lc rgb EXEC pt 5 ps 1.2*PS lw 2 \
             title "fork+execve+wait", \
         datafile using (dflt(4)):(dflt(17)) with points lc rgb FORK pt 12 ps 2.6*PS lw 2.5 \
             notitle, \
         datafile using (dflt(4)):(dflt(22)) with points lc rgb EXEC pt 12 ps 2.6*PS lw 2.5 \
             notitle
    unset multiplot
    unset label 2
    set yrange [0:*]
    set ytics autofreq
    set output
}
