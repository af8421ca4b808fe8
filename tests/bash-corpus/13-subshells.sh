# Subshells: isolation of variables, cd, exit status, nested, $BASH_SUBSHELL, functions.
v=outer
( v=inner; echo "in: $v $BASH_SUBSHELL" ); echo "out: $v $BASH_SUBSHELL"
( exit 4 ); echo "exit=$?"
(cd /; pwd); pwd >/dev/null && echo "cwd unchanged"
( ( ( echo "depth $BASH_SUBSHELL" ) ) )
r=$( (echo a; echo b) | (read -r x; read -r y; echo "$y$x") ); echo "$r"
f() ( echo "subshell function"; exit 2 ); f; echo "f rc=$?"
( set -e; false; echo not-reached ); echo "set -e subshell rc=$?"
{ v=group; }; echo "group changed v=$v"
echo "$( echo "$( echo "$BASH_SUBSHELL" )" )"
(trap 'echo sub-exit-trap' EXIT; echo in-sub)
count=0; (count=5); echo "count=$count"
