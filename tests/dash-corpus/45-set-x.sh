set -x
echo traced 'a b'
x=5 y="s p"
echo "$x"
f() { echo in; }
f arg
set +x
echo untraced
