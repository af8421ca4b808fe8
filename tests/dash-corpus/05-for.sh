for i in 1 2 3; do echo "i=$i"; done
s=; for w in $(echo x y z); do s="$s$w,"; done; echo $s
set -- p q r; for a; do echo "arg $a"; done
