set -e
false || echo "or saves"
if false; then :; else echo "if condition exempt"; fi
! true; echo "negation exempt"
while false; do :; done; echo "while condition exempt"
x=$(false; echo still); echo "cmdsubst: [$x]"
false && echo never; echo "and-list exempt"
echo before-false
false
echo not-reached
