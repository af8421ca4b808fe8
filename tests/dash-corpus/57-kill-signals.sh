sleep 10 & pid=$!
kill $pid; wait $pid; echo "killed status $?"
sleep 10 & pid=$!; kill -9 $pid; wait $pid; echo "kill -9 status $?"
sleep 10 & kill -s TERM $!; wait $!; echo "kill -s status $?"
kill -0 $$; echo "kill -0 self $?"
