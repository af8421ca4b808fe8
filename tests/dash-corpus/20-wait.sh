(sleep 0; exit 7) &
wait $!; echo "bg status $?"
echo a & wait
echo b & wait $!
echo "waited $?"
