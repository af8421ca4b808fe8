echo $(( 1 +
2 ))
cat <<EOF
a\
b
EOF
echo "a\
b"
echo 'x\
y'
case "a b" in "a b") echo spaced-case;; esac
echo "$( echo ')' )"
echo $(echo "(")
v=$(cat <<'EOF'
literal $x
EOF
); echo "$v"
echo one \
  two \
  three
