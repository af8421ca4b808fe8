for i in 1 2 3; do f() { echo "f$i"; }; f; done
while read a; do echo "$a"; done <<EOF
$(echo from-subst)
EOF
echo "${x:-$(echo default-subst)}"
a=1; a=2 b=$a; echo $b
c=5 echo "c: $c"
unset c; c=7 : ; echo "c after special: $c"
echo ~/x "~"
i=0; for j in a b c; do i=$((i+1)); done; echo $i $j
echo "${#1}"
echo $(( 3 > 2 )) $(( (3 > 2) && (1 < 0) ))
z='it'"'"'s'; set | grep '^z='
x=ab; y=a; echo ${x#"$y"} ${x#$y}
f() { for a in "$@"; do echo "[$a]"; done; }; f "" "a b" ""
echo $(echo "$(echo 'q "x" y')")
echo $((1/0))
echo not-reached
