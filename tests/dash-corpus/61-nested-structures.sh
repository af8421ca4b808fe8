for i in 1 2; do
  case $i in
    1) if [ $i -eq 1 ]; then
         while read w; do echo "$i:$w"; done <<EOF
alpha
beta
EOF
       fi;;
    2) { for j in x y; do echo "$i$j"; done; } | sort -r;;
  esac
done
f() {
  local n=$1
  if [ $n -gt 0 ]; then echo "depth $n"; f $((n-1)); fi
}
f 3
r=$( if true; then echo yes; else echo no; fi ); echo $r
echo $(case x in x) echo matched;; esac)
