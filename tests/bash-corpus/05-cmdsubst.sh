# $( ) nested and with quotes, backquotes, trailing newlines stripped, exit status kept.
a=$(echo outer $(echo inner $(echo innermost)))
echo "$a"
b="$(printf 'x\n\n\n')"
echo "[$b]"
c=`echo back\`echo nested\`quote`
echo "$c"
d=$(exit 7); echo "status $?"
e="$(echo "quoted \"inside\" $(echo 'and single')")"
echo "$e"
f=$(cat <<'X'
here in subst
X
)
echo "$f"
n=$(( $(echo 6) * $(echo 7) ))
echo "$n"
lines=$(for i in 1 2 3; do echo "line $i"; done)
echo "$lines" | while read -r w n; do echo "$n:$w"; done
g=$(case x in x) echo case-in-subst;; esac)
echo "$g"
echo "$(echo a; echo b >&2)" 2>&1
echo $(echo "  spaced   out  ")
