x=$(echo ${u?msg}); echo "after $? [$x]"
v=1; w=$(v=2; echo $v); echo "$v $w"
z=$(echo $((n=5))); echo "n=${n:-unset} z=$z"
q=$(false); echo "q status $?"
r=$(for i in 1 2 3; do printf '%s-' $i; done; echo); echo "$r"
s=$(if [ -d /tmp ]; then echo dir; fi); echo $s
t=$(echo a; echo b >&2); echo "t=$t"
echo "$(echo "$(echo nested inline)")"
u=$(set -- x y; echo $#); echo "u=$u $#"
