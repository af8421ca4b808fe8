# exec redirections: open, duplicate, close fds; 2>&1; >>; <>; redirect a whole block.
# Descriptors from 4 up: in WASI, fd 3 is the preopened root, which a dup2 may not replace.
exec 7> "$HOME/three.txt"
echo "to fd 7" >&7
echo "more" >&7
exec 7>&-
cat "$HOME/three.txt"
exec 4< "$HOME/three.txt"; read -r first <&4; read -r second <&4; exec 4<&-; echo "$first/$second"
{ echo stdout-line; echo stderr-line >&2; } 2>&1 | sed 's/^/piped: /'
ls /nonexistent-dir 2>/dev/null || echo "ls failed quietly"
echo append1 > "$HOME/app.txt"; echo append2 >> "$HOME/app.txt"; cat "$HOME/app.txt"
{ echo one; echo two; } > "$HOME/block.txt"; cat "$HOME/block.txt"
exec 5>&1; echo "via dup of stdout" >&5; exec 5>&-
echo "err to out" 2>&1 >&2 | cat
f() { echo "function out"; echo "function err" >&2; }
f 2>&1 > /dev/null | sed 's/^/only-err: /'
exec 6<> "$HOME/rw.txt"; echo rw-data >&6; exec 6>&-; cat "$HOME/rw.txt"
echo "bad fd" >&9 2>/dev/null || echo "fd 9 not open: rc=$?"
{ echo hidden; } >/dev/null; echo visible
cat < "$HOME/app.txt" > "$HOME/copy.txt"; cat "$HOME/copy.txt"
exec 2>&1
echo "stderr now joins stdout" >&2
