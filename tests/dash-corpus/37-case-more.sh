for w in abc ABC 123 a-b '' '*' x.tar.gz zzz; do
  case $w in
    [0-9]*) r=digits;;
    [[:upper:]]*) r=upper;;
    a?c) r=a-c;;
    *-*) r=dash;;
    '') r=empty;;
    \*) r=star;;
    *.tar.*) r=tarball;;
    *) r=other;;
  esac
  echo "$w -> $r"
done
case foo in f*|b*) echo "alt ok";; esac
x=hello; case $x in "$x") echo "quoted var pattern";; esac
pat='h*'; case $x in $pat) echo "unquoted var pattern";; esac
case "$x" in "h*") echo wrong;; *) echo "quoted star is literal";; esac
case a in (a) echo paren-form;; esac
case x in x) ;; esac; echo "empty arm status $?"
case nomatch in a) echo a;; esac; echo "no arm status $?"
case ab in
  a*)
    echo multi
    echo line
    ;;
esac
