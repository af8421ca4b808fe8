count() { echo "$# args: $*"; }
count; count a "b c" d
outer() { inner() { echo "inner defined"; }; inner; }
outer; inner
fib() { if [ $1 -lt 2 ]; then echo $1; return; fi; a=$(fib $(($1-1))); b=$(fib $(($1-2))); echo $((a+b)); }
fib 7
set -- x y; f() { set -- inner; echo "in f: $1"; }; f; echo "after f: $1 $#"
r() { return $1; }; r 7; echo "r=$?"
loud() { echo "to file"; } > /tmp/wk38.txt
loud; cat /tmp/wk38.txt; rm /tmp/wk38.txt
echo() { command echo "wrapped: $*"; }; echo hi; unset -f echo; echo plain
g() {
  echo "multi-line body"
  return 0
  echo unreachable
}
g; echo "g status $?"
h() ( x=in-subshell-body; echo $x ); x=top; h; echo $x
