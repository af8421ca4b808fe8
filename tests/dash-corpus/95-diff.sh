# diff: the normal and unified formats, -q, no trailing newline, exit statuses.
d=/tmp/wk95; rm -r $d 2>/dev/null; mkdir $d; cd $d
seq 1 12 > a; seq 1 12 | sed -e 's/^4$/four/; 9d; /^11$/a\' -e eleven-and-a-half > b
diff a a; echo "rc=$?"
diff a b; echo "rc=$?"
diff -u a b | tail -n +3
diff -U 1 -L old -L new a b
diff -U0 a b | tail -n +3
printf 'x\ny' > c; printf 'x\ny\n' > e; diff c e; diff -u -L c -L e c e
printf '' > empty; diff empty a | head -n 3; diff -u -L a -L empty a empty | head -n 4
diff -q a b; echo "rc=$?"
diff a missing 2>&1; echo "rc=$?"
diff a 2>&1; echo "rc=$?"
seq 1 3 | diff - a | head -n 2
cd /; rm -r $d; echo done
