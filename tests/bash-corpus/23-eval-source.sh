# eval and source: building commands, variables set by sourced files, return from source.
cmd='echo "evaluated $((1+1))"'; eval "$cmd"
var=name; eval "$var=value"; echo "name=$name"
for i in 1 2 3; do eval "v$i=\$((i * i))"; done; echo "$v1 $v2 $v3"
cat > "$HOME/lib.sh" <<'E'
LIBVAR=from-lib
libfn() { echo "libfn($*)"; }
return 4
echo "not reached in source"
E
source "$HOME/lib.sh"; echo "source rc=$?"
echo "$LIBVAR"; libfn x y
printf 'echo "dot args: $1 $2"\n' > "$HOME/dot.sh"
. "$HOME/dot.sh" first second
eval 'f() { echo "defined by eval"; }'; f
eval "echo unbalanced ("; echo "eval syntax rc=$?"
a='$b'; b='final'; eval echo "$a"
