(echo 3; echo 1; echo 2) | sort | head -n 2
echo abc | tr a-c A-C
(echo x; echo y; echo x) | sort | uniq
echo one two | { read a b; echo "$b $a"; }
