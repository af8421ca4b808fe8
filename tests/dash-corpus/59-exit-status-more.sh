nosuchcommand_xyz; echo "not found $?"
/nonexistent/path; echo "no path $?"
sh -c 'exit 7'; echo "sh -c $?"
(exit 300); echo "wrapped $?"
f() { return 256; }; f; echo "return 256: $?"
! (exit 3); echo "negated $?"
cat < /nonexistent/file; echo "redir fail $?"
echo x > /nonexistent/dir/file; echo "create fail $?"
exit 5
