x=1; (x=2; echo "inner $x"); echo "outer $x"
cd /; (cd /tmp; pwd); pwd
y=$(z=3; echo $z); echo "y=$y z=${z:-unset}"
(exit 3); echo "status $?"
f() { echo fn; }; (f); (unset -f f); f
(set -- a b c; echo $#); echo $#
v=outer; echo "$(v=inner; echo $v) $v"
(trap 'echo sub-exit' EXIT; echo in-sub); echo after
test "$(echo $$)" = "$$" && echo "same pid in subst"
(echo "nested $( (echo deep) )")
export E=exported; (echo "$E"); sh -c 'echo "child sees $E"'
(set -e; false; echo not-here); echo "set -e subshell $?"
