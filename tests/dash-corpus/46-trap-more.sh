trap 'echo "exit trap, status $?"' EXIT
trap 'echo int-trap' INT
trap 'echo term-trap' TERM
kill -INT $$; kill -TERM $$
trap - INT; trap '' USR2; kill -USR2 $$; echo "ignored usr2"
trap 'echo "usr1 then $?"' USR1; false; kill -USR1 $$; echo "status kept $?"
exit 3
