# set -e: which failures end the script (not in conditions, && lists, !), subshell, exit code.
set -e
false || echo "or-list is fine"
if false; then echo no; else echo "if condition is fine"; fi
! true
echo "negation is fine"
false && echo never
echo "and-list head is fine"
while false; do :; done
f() { false; echo "not printed with set -e inside f"; }
f || echo "f in || context continues"
x=$(false; echo subst) || true
echo "x=$x"
( false; echo never-sub ) || echo "subshell failed with $?"
set +e; false; echo "set +e rc=$?"; set -e
echo before-fatal
false
echo not-reached
