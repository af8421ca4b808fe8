echo "a b c" | { read x y z; echo "$z $y $x"; }
x=unchanged; echo changed | read x; echo "x=$x"
for i in 3 1 2; do echo $i; done | sort
f() { while read n; do echo $((n*n)); done; }; seq 1 4 | f | tail -n 2
! echo x | grep y; echo "negated $?"
true | false; echo "last status $?"
false | true; echo "last status $?"
echo abc | tr a-z A-Z | cat
yes | head -n 3
echo one | (read v; echo "sub got $v") | cat
cd /tmp | true; echo "still in place"
