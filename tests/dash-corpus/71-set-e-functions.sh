set -e
f() { echo in-f; false; echo after-false-in-f; }
if f; then echo f-true; fi
f || echo "or-list exempts the body too"
f
echo never
