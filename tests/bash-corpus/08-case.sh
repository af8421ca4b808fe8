# case: patterns, alternatives, character classes, fallthrough with ;& and ;;&.
for w in apple Banana cherry 42 "" x.txt; do
    case $w in
        a*) echo "$w: starts with a" ;;
        [A-Z]*) echo "$w: capital" ;;
        *rr*|*zz*) echo "$w: double letters" ;;
        +([0-9])) echo "$w: number" ;;
        '') echo "(empty)" ;;
        *.txt) echo "$w: text" ;;
    esac
done
shopt -s extglob
case 123 in +([0-9])) echo digits-extglob ;; esac
case b in a) echo a ;& b) echo b ;& c) echo c-fell-through ;; d) echo d ;; esac
case abc in a*) echo first ;;& *c) echo second ;;& *z) echo never ;; *) echo default ;; esac
case "x y" in "x y") echo quoted-space ;; esac
v='*'
case hello in $v) echo unquoted-var-is-pattern ;; esac
case hello in "$v") echo no ;; *) echo quoted-var-is-literal ;; esac
