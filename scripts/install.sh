#!/bin/sh
# Installs ptt: scripts/install.sh BIN_DIR MAN_DIR
#   BIN_DIR  the built ptt and ptt-relay
#   MAN_DIR  where swift-argument-parser's generate-manual plugin wrote the man pages (make man):
#            the *.1 files of its ptt and ptt-relay folders
# Honours PREFIX (default /usr/local) and DESTDIR. Installs the programs, their man pages,
# bash, zsh and fish completions, the relay's systemd unit, and /etc/ptt/relay.toml (under
# DESTDIR) when there is none yet; the example is always in share/doc/ptt.
set -eu
bin=${1:?usage: scripts/install.sh BIN_DIR MAN_DIR}
man=${2:?usage: scripts/install.sh BIN_DIR MAN_DIR}
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}
root=$(cd "$(dirname "$0")/.." && pwd)

for program in ptt ptt-relay; do
	[ -x "$bin/$program" ] || { echo "error: no $bin/$program: build it first (make release)" >&2; exit 1; }
done
pages=$(find "$man/ptt" "$man/ptt-relay" -name "*.1" 2>/dev/null | sort)
[ -n "$pages" ] || { echo "error: no man pages under $man: make man writes them" >&2; exit 1; }

install -d "$dest$prefix/bin" "$dest$prefix/share/man/man1" \
	"$dest$prefix/share/bash-completion/completions" "$dest$prefix/share/zsh/site-functions" \
	"$dest$prefix/share/fish/vendor_completions.d" "$dest$prefix/lib/systemd/system" \
	"$dest$prefix/share/doc/ptt" "$dest/etc/ptt"

for program in ptt ptt-relay; do
	install -m 0755 "$bin/$program" "$dest$prefix/bin/$program"
	# The completion scripts come from the programs' own argument parser.
	"$bin/$program" --generate-completion-script bash > "$dest$prefix/share/bash-completion/completions/$program"
	"$bin/$program" --generate-completion-script zsh > "$dest$prefix/share/zsh/site-functions/_$program"
	"$bin/$program" --generate-completion-script fish > "$dest$prefix/share/fish/vendor_completions.d/$program.fish"
done
for page in $pages; do install -m 0644 "$page" "$dest$prefix/share/man/man1/"; done

sed "s|@BINDIR@|$prefix/bin|g" "$root/Resources/systemd/ptt-relay.service" > "$dest$prefix/lib/systemd/system/ptt-relay.service"
chmod 0644 "$dest$prefix/lib/systemd/system/ptt-relay.service"
install -m 0644 "$root/Resources/relay.toml" "$dest$prefix/share/doc/ptt/relay.toml.example"
# A configuration already there is the administrator's: never replaced.
[ -e "$dest/etc/ptt/relay.toml" ] || install -m 0644 "$root/Resources/relay.toml" "$dest/etc/ptt/relay.toml"
echo "installed ptt and ptt-relay under $dest$prefix"
