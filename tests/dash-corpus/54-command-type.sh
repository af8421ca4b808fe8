type echo; type true; type exit; type if; type while
f() { :; }; type f
command -v cd; command -v f; command -v nonexistent_cmd_xyz; echo "status $?"
type nonexistent_cmd_xyz; echo "status $?"
command echo via-command
command -V echo
command -V f
