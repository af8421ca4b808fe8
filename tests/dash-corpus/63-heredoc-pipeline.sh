cat <<EOF | sort
zebra
apple
mango
EOF
cat <<EOF | wc -l
1
2
3
EOF
{ cat; echo after; } <<EOF
inside
EOF
x=$(cat <<EOF
from heredoc in subst
EOF
)
echo "$x"
