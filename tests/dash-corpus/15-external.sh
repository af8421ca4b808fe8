/bin/echo external echo
cat /dev/null; echo "cat status $?"
seq 1 4 | tail -n 1
