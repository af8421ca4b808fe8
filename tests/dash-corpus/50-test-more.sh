t() { if "$@"; then echo "T: $*"; else echo "F: $*"; fi; }
t [ -e /tmp ]; t [ -f /nonexistent ]; t [ -d /tmp ]
t [ -z "" ]; t [ -n "" ]; t [ a = a ]; t [ a != a ]; t [ 1 -lt 2 ]; t [ 2 -le 2 ]
t [ 3 -ge 4 ]; t [ 5 -ne 5 ]; t [ -5 -lt 0 ]
t [ ! -z x ]; t [ x -a "" ]; t [ x -o "" ]; t [ \( 1 -eq 1 \) ]
t test abc; t test ""; t [ ]
echo > /tmp/wk50; t [ -s /tmp/wk50 ]; t [ -f /tmp/wk50 ]; t [ -d /tmp/wk50 ]; rm /tmp/wk50
: > /tmp/wk50; t [ -s /tmp/wk50 ]; rm /tmp/wk50
[ 1 -eq x ]; echo "status $?"
test 1 -eq; echo "status $?"
