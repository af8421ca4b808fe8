[ a \< b ] && echo lt; [ b \> a ] && echo gt
x="1+2"; echo $((x))
echo never
