# trap: EXIT in the shell and in functions/subshells, ERR, RETURN, listing, resetting.
trap 'echo "exit trap, status $?"' EXIT
trap 'echo "err trap at line $LINENO"' ERR
false
echo after-false
f() { trap 'echo return-trap' RETURN; echo in-f; }
f
trap - RETURN
trap -p EXIT
( trap 'echo inner-exit' EXIT; exit 3 ); echo "sub=$?"
trap - ERR
false
g() { return 1; }
g || echo "g failed"
trap 'echo usr1 caught' USR1
kill -USR1 $$
echo after-signal
exit 5
