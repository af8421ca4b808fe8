# Background jobs: &, $!, wait PID with its status, wait for all, wait -n.
(exit 3) & p1=$!
(exit 5) & p2=$!
wait $p1; echo "p1 exit $?"
wait $p2; echo "p2 exit $?"
# wait -n first, while every earlier job has been waited for by its pid: a job that ended
# before a bare `wait` stays in bash's table when it is $! (POSIX lets `wait $!` still
# report it), and a later `wait -n` reports that one, or not, by timing (on Linux too).
{ sleep 0; exit 7; } & wait -n; echo "wait -n: $?"
for i in 1 2 3; do (echo "job $i" > "$HOME/job$i.out") & done
wait
cat "$HOME"/job1.out "$HOME"/job2.out "$HOME"/job3.out
f() { return 9; }
f & wait $!; echo "function in background: $?"
wait; echo "nothing left: $?"
x=1; { x=2; } & wait; echo "x=$x"
