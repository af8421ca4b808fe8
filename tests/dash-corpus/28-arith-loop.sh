sum=0 i=1
while [ $i -le 100 ]; do sum=$((sum + i)); i=$((i + 1)); done
echo "sum $sum"
echo $(( 7 > 3 )) $(( 2 == 3 )) $(( 1 ? 10 : 20 )) $(( -5 / 2 ))
