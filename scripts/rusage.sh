#!/usr/bin/env bash
# rusage.sh CMD...: run CMD, then print on stderr the CPU time (user +
# system) it took, in perf stat's -x, layout ("<ms>,msec,task-clock") so
# scripts/bench.sh reads it as it reads perf's. The figure is the kernel's
# own accounting of the finished child (wait4's rusage, through bash's
# `times`), so nothing watches the program while it runs: perf's counters
# cost every context switch something, and its system-call tracepoint every
# system call, which moved the timing runs themselves (a latency run that
# spins through short polls doubled under it). Exits with CMD's status.
"$@"
rc=$?
# `times` prints the shell's own user/system time, then its children's, as
# "XmY.YYYs XmY.YYYs"; it must run in this shell (a subshell of a pipe or
# $(...) starts with no children's time), hence the file.
t=$(mktemp)
times >"$t"
awk 'NR == 2 {
    split($0, f, /[ms ]+/)
    printf "%.3f,msec,task-clock\n", (f[1] * 60 + f[2] + f[3] * 60 + f[4]) * 1000
}' "$t" >&2
rm -f "$t"
exit $rc
