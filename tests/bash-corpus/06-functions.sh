# Functions: recursion, local, return codes, $FUNCNAME, arguments, dynamic scope.
fact() { if (( $1 <= 1 )); then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
echo "fact 10 = $(fact 10)"
fib() { local n=$1; if (( n < 2 )); then r=$n; return; fi; fib $((n-1)); local a=$r; fib $((n-2)); r=$((a + r)); }
fib 15; echo "fib 15 = $r"
x=global
show() { echo "x=$x in ${FUNCNAME[0]} called from ${FUNCNAME[1]:-main}"; }
inner() { local x=local-of-inner; show; }
inner; show
rc() { return "$1"; }
rc 3; echo "rc=$?"
rc 0 && echo zero-ok
rc 1 || echo one-fails
args() { echo "$# args: $*"; shift; echo "after shift: $1"; }
args a "b c" d
function kw { echo "keyword form ${1:-none}"; }
kw; kw given
counter=0
bump() { counter=$((counter + 1)); }
for i in 1 2 3 4; do bump; done; echo "counter=$counter"
nested() { helper() { echo "helper defined inside"; }; helper; }
nested; helper
declare -f rc
type -t fact
unset -f fact; type -t fact || echo fact-gone
f_local_array() { local -a arr=(p q r); echo "${arr[1]}"; }
f_local_array
