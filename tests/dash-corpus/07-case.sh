for f in a.txt b.c README x; do
  case $f in
    *.txt) echo "$f: text";;
    *.c|*.h) echo "$f: C";;
    [A-Z]*) echo "$f: upper";;
    *) echo "$f: other";;
  esac
done
