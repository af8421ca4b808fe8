x=1; export x
sh -c 'exec sh -c "echo x=\$x" > /tmp/wk83'; cat /tmp/wk83; rm /tmp/wk83
(exec echo in-subshell); echo after-subshell
exec 2>/dev/null
echo "stderr gone" >&2
echo "stdout stays"
