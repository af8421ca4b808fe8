x="alpha beta"
echo "$x" | tr a-z A-Z
y=1 | cat; echo "y=${y:-unset}"
{ echo one; echo two; } | wc -l
printf '%s\n' c b a | sort
exit 3 | cat; echo "after exit in stage $?"
echo big | { i=0; while [ $i -lt 1 ]; do i=$((i+1)); done; cat; }
i=0; s=; while [ $i -lt 5000 ]; do s="$s 0123456789"; i=$((i+1)); done
echo "$s" | wc -c
for w in a b c; do echo $w; done | tail -n 1
echo x | false; echo "status $?"
false | echo y
