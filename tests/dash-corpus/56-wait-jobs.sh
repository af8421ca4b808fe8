sleep 0 & p1=$!
(exit 5) & p2=$!
wait $p1; echo "p1 $?"
wait $p2; echo "p2 $?"
{ echo bg-group; } & wait
f() { return 4; }; f & wait $!; echo "fn bg $?"
true & false & wait; echo "wait all $?"
echo done
