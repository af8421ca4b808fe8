echo if then fi do done
x=; y=val
echo ${x:-${y:-z}} "${y:+"a  b"}" ${nope:-${y}x}
echo $(echo a # comment )
)
readonly r=1; (r=2) 2>&1; echo "after readonly $?"
export e1=1 e2; sh -c 'echo "e1=$e1 e2=${e2-unset}"'
f() { echo "[$1]"; }; f "$(echo a b)"
[ "$x" = "" ] && echo empty-eq
[ -n ] && echo one-arg
set -- $(echo "a b"); echo $#
printf '<%s>\n' "$@"
a="x y"; set -- $a; IFS=y; set -- $a; echo $#; IFS=' '
echo "${y#v}" "${y%l}" "${#y}"
n=0; for i in $(seq 3); do n=$((n+i)); done; echo $n
echo "$((
  1 + 2
))"
while false; do :; done; until true; do :; done; echo loops-ok
cat <<'E1' <<'E2'
first
E1
second
E2
echo done
