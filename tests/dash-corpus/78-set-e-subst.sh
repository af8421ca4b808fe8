set -e
x=$(false; echo still); echo "cmdsubst: [$x] $?"
y=$(echo a; exit 3); echo "y=$y"
