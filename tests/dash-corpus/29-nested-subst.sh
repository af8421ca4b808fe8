out=$( for i in 1 2 3; do echo $((i*i)); done | sort -r | head -n 1 )
echo "max square: $out"
echo "$(echo "$(echo "deep")")"
