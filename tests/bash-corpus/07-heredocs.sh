# Here-documents (expanding, quoted, <<- with tabs) and here-strings.
name=world
cat <<EOT
hello $name
sum $((2 + 3)) and $(echo subst)
EOT
cat <<'EOT'
literal $name $(not run)
EOT
cat <<-EOT
	tab-stripped $name
		two tabs gone
	EOT
while read -r line; do echo "read: $line"; done <<EOT
first
second
EOT
tr a-z A-Z <<< "here string $name"
read -r x y z <<< "1 2 3"; echo "$z$y$x"
cat <<A; cat <<B
from A
A
from B
B
f() { cat; }
f <<< "into function"
cat <<"E"
backslash \$ kept
E
wc_l=0; while read -r _; do wc_l=$((wc_l+1)); done <<< $'a\nb\nc'; echo "lines=$wc_l"
