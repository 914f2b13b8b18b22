#!/usr/bin/env bash
# Replaces the section of BENCHMARKS.md between `<!-- bench-NAME:begin -->` and
# `<!-- bench-NAME:end -->` with FILE, headed by the date, the machine (nproc, CPU model,
# load average when written; the benches print the load at their start) and the command. Usage: scripts/update-benchmarks.sh NAME FILE
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 file=$2
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
    echo "<!-- bench-$name:begin -->"
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $cpu, load average $(cut -d' ' -f1-3 /proc/loadavg) when written."
    echo "Command: \`make bench-$name\`."
    echo
    cat "$file"
    echo "<!-- bench-$name:end -->"
} > .build/bench-section.md
python3 - "$name" .build/bench-section.md <<'PY'
import sys, re
name, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open("BENCHMARKS.md").read()
pat = re.compile(r"<!-- bench-%s:begin -->.*?<!-- bench-%s:end -->" % (name, name), re.S)
if pat.search(text):
    text = pat.sub(lambda m: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
