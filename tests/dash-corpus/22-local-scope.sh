v=global
f() { local v=local; echo "f: $v"; g; }
g() { echo "g: $v"; }
f; echo "top: $v"
