x=5
cat <<EOF
value $x, arith $((x*2)), cmd $(echo sub), ${x:-none}
escaped \$x and backslash \\ and \`tick\` and "quotes" 'single'
EOF
cat <<-EOF
	tab-stripped $x
		two tabs
	EOF
cat <<"Q"
$x `not run` \$
Q
while read a b; do echo "[$a|$b]"; done <<END
one two three
four
END
cat <<A; cat <<B
first
A
second
B
f() { cat <<X
in function $1
X
}
f arg
cat <<EOF

blank line above and below

EOF
