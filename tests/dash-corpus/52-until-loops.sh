i=0; until [ $i -ge 3 ]; do echo "until $i"; i=$((i+1)); done
n=0; while :; do n=$((n+1)); if [ $n -gt 5 ]; then break; fi; done; echo "broke at $n"
for i in 1 2 3; do for j in 1 2 3; do [ $j -eq 2 ] && continue 2; echo "$i$j"; done; done
k=0; while [ $k -lt 3 ]; do k=$((k+1)); case $k in 2) continue;; esac; echo "k$k"; done
for x in; do echo never; done; echo "empty for status $?"
while false; do :; done; echo "while status $?"
i=0; while i=$((i+1)); [ $i -le 2 ]; do echo "multi-cond $i"; done
for w in a b c
do
  echo "word $w"
done
