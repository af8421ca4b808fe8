set -- a "b c" d e f
echo $#; echo "$1|$2|$5"
shift; echo "$1 $#"
shift 2; echo "$@"
for a in "$@"; do echo "[$a]"; done
set --; echo "$#"
set -- x y z; echo "${3}" "${10:-none}"
set -- 1 2 3 4 5 6 7 8 9 10 11; echo ${10} ${11} $10
f() { echo "f: $# $*"; shift; echo "f shifted: $*"; }; f p q r; echo "main: $#"
set -- "a b" c; for x; do echo "for: $x"; done
IFS=,; echo "$*"; IFS=' '
(shift 5); echo "shift status $?"
