n=0
while [ $n -lt 5 ]; do n=$((n+1)); [ $n -eq 2 ] && continue; echo $n; done
until [ $n -eq 0 ]; do n=$((n-1)); done; echo done $n
