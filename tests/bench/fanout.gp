# fanout.gp: plots W1 deliveries/s and p99 against channel size.
# Called by run.sh:  gnuplot -e "term='pngcairo'; data='plot.dat';
#   out='fanout.png'" fanout.gp
# data columns: members senders dps base_dps p99_us base_p99_us
set terminal @term size 900,640
set output out
set multiplot layout 2,1 title "Burst fan-out (W1): txt-chatd and the raw baseline, same run"
set logscale x
set xrange [8:2500]
set xtics ("10" 10, "100" 100, "500" 500, "2000" 2000)
set grid
set key outside right top
set yrange [0:*]
all = "< awk '$2 != 5' ".data
five = "< awk '$2 == 5' ".data
set ylabel "million deliveries/s"
plot all using 1:($3/1e6) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "txt-chatd, S = N", \
     all using 1:($4/1e6) with linespoints dt 2 pt 6 lc rgb "#1f77b4" title "baseline, S = N", \
     five using 1:($3/1e6) with linespoints lw 2 pt 5 lc rgb "#d62728" title "txt-chatd, S = 5", \
     five using 1:($4/1e6) with linespoints dt 2 pt 4 lc rgb "#d62728" title "baseline, S = 5"
set xlabel "members in the channel (N)"
set ylabel "p99 latency in the burst (ms)"
plot all using 1:($5/1000) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "txt-chatd, S = N", \
     all using 1:($6/1000) with linespoints dt 2 pt 6 lc rgb "#1f77b4" title "baseline, S = N", \
     five using 1:($5/1000) with linespoints lw 2 pt 5 lc rgb "#d62728" title "txt-chatd, S = 5", \
     five using 1:($6/1000) with linespoints dt 2 pt 4 lc rgb "#d62728" title "baseline, S = 5"
unset multiplot
