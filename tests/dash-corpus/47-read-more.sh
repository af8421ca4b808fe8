echo "  lead   trail  " | { read a; echo "[$a]"; }
echo "a:b:c:d" | { IFS=: read x y z; echo "$x|$y|$z"; }
echo 'back\slash' | { read -r v; echo "$v"; }
echo 'back\slash' | { read v; echo "$v"; }
echo -n "no newline" | { read v; echo "status $? [$v]"; }
{ echo first; echo second; } | { read a; read b; echo "$b $a"; }
echo "one two" | { read only; echo "[$only]"; }
echo "x" | { read a b c; echo "[$a][$b][$c]"; }
read nothing < /dev/null; echo "eof status $?"
while IFS= read -r line; do echo "<$line>"; done <<EOF
  spaced line  
tab	inside
EOF
