# A CSV report with read, IFS and arithmetic.
cat > /tmp/wkf2.csv <<EOF
name,qty,price
apple,3,20
pear,5,12
plum,10,3
EOF
total=0
{
  read header
  while IFS=, read -r name qty price; do
    sum=$((qty * price))
    total=$((total + sum))
    printf '%-6s %3d x %3d = %4d\n' "$name" "$qty" "$price" "$sum"
  done
} < /tmp/wkf2.csv
echo "total $total"
cut -d, -f1 /tmp/wkf2.csv | tail -n +2 | sort -r
rm /tmp/wkf2.csv
