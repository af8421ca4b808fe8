seq 1 5000 | wc -l
x=$(seq 1 20000); echo ${#x}
for i in $(seq 1 300); do echo "line $i"; done | tail -n 2
i=0; while [ $i -lt 200 ]; do echo $i; i=$((i+1)); done | wc -l
yes abc | head -n 3
cat <<EOF | wc -c
$(seq 1 20000)
EOF
cat <<EOF | head -n 2
$(seq 1 30000)
EOF
