now=$(echo inner $(echo nested))
echo "[$now]"
n=`echo backquote`; echo $n
echo "lines: $( (echo a; echo b; echo c) | wc -l)"
