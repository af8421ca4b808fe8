{ echo to-out; echo to-err >&2; } 2>/dev/null
{ echo a; echo b >&2; } 2>&1 | wc -l
cat /nonexistent-file 2>/dev/null; echo "status $?"
exec 8>/tmp/wk36.txt; echo line1 >&8; echo line2 1>&8; exec 8>&-
cat /tmp/wk36.txt
exec 9</tmp/wk36.txt; read first <&9; read second <&9; exec 9<&-
echo "$first/$second"
echo hidden 1>/dev/null; echo visible
echo "err msg" 1>&2
echo both >/dev/null 2>&1
x=$(echo captured-err 2>&1 >&2); echo "x=[$x]"
rm /tmp/wk36.txt
