(sleep 0; exit 7) &
wait $!; echo "bg status $?"
echo a & echo b & wait
echo waited
