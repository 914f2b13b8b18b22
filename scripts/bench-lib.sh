# Shared by the bench scripts (sourced, not run): failing loudly, waiting for a line, starting
# a client with its stdin held open, CPU ticks of a process, the speech the end-to-end benches
# say, and which commit was measured.

bench_fail() { # message
    echo "${BENCH_NAME:-bench}: $*" >&2
    exit 1
}

# Waits until FILE has a line matching PATTERN (grep -E), at most SECONDS; fails the bench
# with WHAT and the file's last lines when it does not come.
wait_for_line() { # file pattern seconds what
    local file=$1 pattern=$2 seconds=$3 what=$4 i
    for ((i = 0; i < seconds * 20; i++)); do
        grep -qE "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    bench_fail "$what did not come within $seconds s; $file ends with: $(tail -n 5 "$file" 2>/dev/null)"
}

# Starts COMMAND in the background with its stdin on a fifo held open by a sleeping writer for
# SECONDS (so end of input does not end a `ptt join --json`); the fifo is FIFO. Appends both
# pids to PIDS and leaves the command's pid in LAST.
start_with_held_stdin() { # fifo seconds command...
    local fifo=$1 seconds=$2; shift 2
    mkfifo "$fifo"
    sleep "$seconds" > "$fifo" & PIDS+=($!)
    "$@" < "$fifo" &
    PIDS+=($!)
    LAST=$!
}

# CPU time of a process so far, in clock ticks (utime + stime, /proc/PID/stat).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The speech the end-to-end benches say (espeak-ng at 150 words per minute).
SPEECH_TEXT="The quick brown fox jumps over the lazy dog. \
Push to talk works best when the latency stays low and the voice stays clear. \
Please hold the space bar while you speak, and release it when you are done."

# The checked-out commit, and whether the tree differs from it (BENCHMARKS.md aside: the
# benches themselves rewrite it).
tree_commit() {
    local c
    c=$(git rev-parse --short HEAD 2>/dev/null) || { echo "a tree outside git"; return; }
    git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null && echo "commit $c" || echo "commit $c with uncommitted changes"
}
