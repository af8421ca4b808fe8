echo "name: $0"
set -- a b; echo "$# $*"
true; echo "$?"; false; echo "$?"
sleep 0 & test -n "$!" && echo "has bg pid"; wait
test "$$" -gt 0 && echo "pid positive"
f() { echo "in f: $0 $#"; }; f 1 2 3
echo "${#}" "${?}"
