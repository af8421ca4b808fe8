x=outer
(x=inner; echo "in: $x"; exit 4); echo "out: $x status $?"
{ echo grouped; echo twice; } | wc -l
