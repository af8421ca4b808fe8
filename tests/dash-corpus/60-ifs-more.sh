data="a,b,,c"
IFS=,; set -- $data; echo "$# fields"; for f; do echo "[$f]"; done
IFS=' ,'; set -- $data; echo "$#"
IFS=; set -- $data; echo "$#"
unset IFS; s="  x   y  "; set -- $s; echo "$# $1 $2"
IFS=:; read -r a b <<EOF
one:two:three
EOF
echo "$a / $b"
IFS=' '
line="k=v"; IFS== read -r key val <<EOF
$line
EOF
echo "$key -> $val"
