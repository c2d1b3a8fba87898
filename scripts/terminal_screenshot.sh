#!/usr/bin/env bash
# Renders docs/images/terminal-client.png: a scratch salond, a short conversation posted with the
# scriptable `salon`, the full-screen client in a private tmux, its capture (with colours) turned
# into HTML and photographed by headless Chromium. Needs tmux and chromium (scripts/deps.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/dev}
out=${1:-$root/docs/images/terminal-client.png}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
sock="$work/tmux.sock"
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  [[ -n "${salond_pid:-}" ]] && kill "$salond_pid" 2>/dev/null && wait "$salond_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$build/apps/salond/salond" --bind 127.0.0.1 --port "$port" --http-port $((port + 1)) \
  --irc-port $((port + 2)) --data-dir "$work/data" --log-level warn 2>"$work/salond.log" &
salond_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

export SALON_PASSWORD="correct horse battery" XDG_CONFIG_HOME="$work/config" TZ=UTC
salon() { "$build/apps/salon/salon" --server 127.0.0.1:$port "$@"; }
for u in ann alice bob carol; do salon -u "$u" --register list >/dev/null; done
salon -u alice -c dev send --create "morning! the 0.9 release branch is cut" >/dev/null
salon -u bob -c dev send "nice. CI is green on all three platforms" >/dev/null
q=$(salon -u carol -c dev send --print-id "did the search index migration make it in?")
salon -u alice -c dev send --reply-to "$q" "yes, it runs on first start: a minute for a million messages" >/dev/null
salon -u ann -c dev send "release notes draft: https://salon.example.org/notes/0.9" >/dev/null
n=$(salon -u bob -c dev send --print-id "I'll tag it after lunch")
salon -u bob edit "$n" "I'll tag it after lunch, then announce it in #home"
salon -u alice react "$n" 👍
salon -u carol react "$n" 🎉
salon -u carol -c dev send $'\x01ACTION'" is updating the website"$'\x01' >/dev/null
salon -u bob send --to ann "lunch at 12:30?" >/dev/null
salon -u carol -c home send --create "welcome to everyone who came from the IRC bridge" >/dev/null

tmux -S "$sock" -f /dev/null new-session -d -x 112 -y 26 \
  env SALON_PASSWORD="$SALON_PASSWORD" XDG_CONFIG_HOME="$work/config" TZ=UTC LANG=C.UTF-8 \
  TERM=xterm-256color "$build/apps/salon/salon" --server 127.0.0.1:$port -u ann
# alice and bob stay online, as the member list shows.
salon -u alice -c dev tail >/dev/null 2>&1 &
tail_a=$!
salon -u bob -c dev tail >/dev/null 2>&1 &
tail_b=$!
sleep 1.5
tmux -S "$sock" send-keys "/switch dev" Enter
sleep 0.3
salon -u alice -c dev send "@ann can you check the notes on the Windows build?" >/dev/null
salon -u bob -c home send "anyone up for a game of go tonight?" >/dev/null
sleep 0.5
tmux -S "$sock" send-keys -l "thanks, looking at it now"
sleep 0.5
tmux -S "$sock" capture-pane -e -p -N > "$work/screen.ansi"
kill "$tail_a" "$tail_b"
python3 "$root/scripts/ansi_to_html.py" 112 < "$work/screen.ansi" > "$work/screen.html"
# 112 columns of 9 px plus padding; 26 rows of 18.75 px plus padding.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1025,505 \
  --screenshot="$out" "file://$work/screen.html" 2>/dev/null
echo "wrote $out"
