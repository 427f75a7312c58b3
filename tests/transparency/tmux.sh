#!/bin/sh
# tmux.sh - tmux on a private socket (-L, in a private TMUX_TMPDIR):
# new-session -d running /bin/sh, send-keys, capture-pane, kill-server.
# The captured screen must be the same as without libxpty under LD_PRELOAD
# in native mode and as a descendant of `xpty`; in svr4 mode (the tmux
# server gets its panes from forkpty) it must still work, with terminal
# modes differing only by illumos's ldterm defaults.
. "$(dirname "$0")/common.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux not installed"
unset TMUX TMUX_PANE
TMUX_TMPDIR=$TMPD
export TMUX_TMPDIR

check_loaded

keys='echo hello; test -t 0 && echo isatty; printf "a\tb\n"; stty -g; echo done'
# tsession VARIANT: capture of the pane after the keys ran, in $TMPD/VARIANT
tsession() {
	v=$1 sock=xt-$1 f=$TMPD/$1
	: >"$f"
	if ! vrun "$v" tmux -f /dev/null -L "$sock" new-session -d -x 100 -y 12 \
	    "env PS1='\$ ' /bin/sh" >"$f.err" 2>&1; then
		echo "new-session failed: $(cat "$f.err")" >"$f"
		return 1
	fi
	i=0
	while [ $i -lt 50 ]; do
		vrun "$v" tmux -L "$sock" capture-pane -p >"$f.cap" 2>/dev/null
		grep -q '^\$' "$f.cap" && break
		sleep 0.1
		i=$((i + 1))
	done
	vrun "$v" tmux -L "$sock" send-keys "$keys" Enter
	i=0
	while [ $i -lt 50 ]; do
		vrun "$v" tmux -L "$sock" capture-pane -p >"$f.cap" 2>/dev/null
		grep -qx 'done' "$f.cap" && [ "$(sed '/^$/d' "$f.cap" | tail -n 1)" = '$' ] && break
		sleep 0.1
		i=$((i + 1))
	done
	vrun "$v" tmux -L "$sock" kill-server >/dev/null 2>&1
	sed -e '/^$/d' "$f.cap" >"$f"
}

tsession base
grep -qx 'hello' "$TMPD/base" && grep -qx 'isatty' "$TMPD/base" && grep -qx 'done' "$TMPD/base"
ok $? "tmux without libxpty: the pane ran the keys (hello, isatty, done)"
[ $? -eq 0 ] || show_file "$TMPD/base"
for v in native wrapper svr4; do
	if [ $v = wrapper ] && ! have_wrapper; then
		skip "tmux as a descendant of xpty" "src/xpty is not built (wrapper branch not merged)"
		continue
	fi
	tsession $v
	if [ $v = svr4 ]; then
		grep -v -e ':.*:.*:' -e '^a' "$TMPD/base" >"$TMPD/base.cut"
		grep -v -e ':.*:.*:' -e '^a' "$TMPD/$v" >"$TMPD/$v.cut"
		same tmux "$TMPD/base.cut" "$TMPD/$v.cut" \
		    "tmux (svr4): the pane is a terminal and shows the same screen as without libxpty"
		delta=$(modes_delta "$(grep ':.*:.*:' "$TMPD/base")" "$(grep ':.*:.*:' "$TMPD/$v")")
		ok $? "tmux (svr4): pane terminal modes differ only by illumos ldterm defaults"
		diag "finding: tmux svr4 vs native pane modes: $(echo "$delta" | tr '\n' ';')"
		diag "finding: tmux svr4 tab line: '$(grep '^a' "$TMPD/$v")' (native: '$(grep '^a' "$TMPD/base")')"
	else
		same tmux "$TMPD/base" "$TMPD/$v" "tmux ($v): same screen as without libxpty"
	fi
done
finish
