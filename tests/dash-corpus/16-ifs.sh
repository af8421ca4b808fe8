IFS=:
set -- $(echo a:b:c)
echo $# "$2"
IFS=' '
s="  spaced   words  "; set -- $s; echo $#
