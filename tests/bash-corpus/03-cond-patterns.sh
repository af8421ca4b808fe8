# [[ ]]: glob patterns, quoting turns patterns off, extglob, string and number comparisons.
s=hello.tar.gz
[[ $s == *.tar.* ]] && echo tar-match
[[ $s == "*.tar.*" ]] || echo quoted-no-match
[[ $s != h* ]] || echo starts-h
[[ abc < abd ]] && echo lt
[[ 10 -gt 9 && ! 2 -eq 3 ]] && echo numbers
[[ -n $s && -z $unset ]] && echo n-z
[[ $s == h?llo* ]] && echo qmark
[[ $s == [a-h]ello* ]] && echo bracket
shopt -s extglob
[[ foo123 == foo+([0-9]) ]] && echo extglob-plus
[[ bar == @(foo|bar|baz) ]] && echo extglob-at
[[ qux == !(foo|bar) ]] && echo extglob-not
x=5
[[ x -lt 7 ]] && echo arith-operand
[[ ( $x -gt 1 || $x -lt 0 ) && $x != 4 ]] && echo grouped
[[ -e /nonexistent ]]; echo "rc=$?"
