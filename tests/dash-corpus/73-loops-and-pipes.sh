s="hello world foo"
n=0; for w in $s; do n=$((n+1)); done; echo $n
IFS= read -r line <<EOF
  keep  spaces  
EOF
echo "[$line]"
str=abcdef; echo ${str#??} ${str%???}
while :; do echo once; break; done
until false; do echo once-until; break; done
echo "$(( $(echo 4) * 2 ))"
f() { local i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i; }; f; echo "i=${i:-unset}"
seq 3 | while read n; do [ $n = 2 ] && exit 5; echo $n; done; echo "pipe exit $?"
{ echo a; exit 3; echo b; } | cat; echo "group exit $?"
echo "x$(true)y"
case "" in "") echo empty-matched;; esac
set -- a b c; echo "${#}" "$#" "${1}${2}"
exec 7>&1; echo "seven" >&7; exec 7>&-
x=`echo a; echo b`; echo "$x"
