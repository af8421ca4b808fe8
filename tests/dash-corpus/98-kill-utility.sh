# /bin/kill (the utility, not the builtin) names and numbers signals as Linux does,
# whatever number the WASIX ABI gives them. (What the shell says of each death is
# its own business: not compared here.)
sleep 10 & /bin/kill -XCPU $!; wait $! 2>/dev/null; echo "XCPU status $?"
sleep 10 & /bin/kill -s USR2 $!; wait $! 2>/dev/null; echo "USR2 status $?"
sleep 10 & /bin/kill -31 $!; wait $! 2>/dev/null; echo "31 status $?"
sleep 10 & /bin/kill -s VTALRM $!; wait $! 2>/dev/null; echo "VTALRM status $?"
/bin/kill -l 24
