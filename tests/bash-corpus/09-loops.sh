# for / while / until / C-style for / break / continue with levels / select-less loops.
for i in 1 2 3; do for j in a b c; do [[ $j == b ]] && continue; [[ $i == 3 ]] && break 2; printf '%s%s ' $i $j; done; done; echo
for ((i = 10; i > 0; i -= 3)); do printf '%d ' $i; done; echo
n=0; while :; do ((n++)); ((n >= 5)) && break; done; echo "n=$n"
m=0; until ((m == 3)); do ((m++)); done; echo "m=$m"
for x; do echo "never"; done
set -- p q r; for x; do printf '%s.' "$x"; done; echo
for f in {1..3}{a,b}; do printf '%s ' $f; done; echo
i=0; while read -r a b; do ((i++)); echo "$i: $a/$b"; done <<'E'
one two
three four
E
sum=0; for n in $(seq 1 10); do ((sum += n)); done; echo "sum=$sum"
for ((;;)); do echo once; break; done
k=0; while ((k < 3)); do ((k++)); for z in x y; do [[ $z == y ]] && continue 2; echo "k$k$z"; done; done
