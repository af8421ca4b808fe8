trap 'echo caught TERM' TERM
trap 'echo caught USR1' USR1
sh -c "kill -TERM $$"
echo after-term
sh -c "kill -USR1 $$; kill -USR1 $$"
echo after-usr1
trap '' USR2
sh -c "kill -USR2 $$"
echo usr2-ignored
trap - TERM USR1
sh -c "kill -TERM $$"
echo not-reached
