# Files in a directory tree: create, find by glob, count, clean up.
d=/tmp/wkf4; rm -r $d 2>/dev/null; mkdir -p $d/a/b $d/c
for f in a/one.txt a/b/two.txt c/three.log c/four.txt; do echo "$f" > $d/$f; done
cd $d
for f in */*.txt */*/*.txt; do echo "txt: $f $(wc -c < $f)"; done
set -- */*; echo "entries: $#"
n=0; for f in c/*; do [ -f "$f" ] && n=$((n+1)); done; echo "files in c: $n"
cat a/one.txt c/three.log | sort
cd /; rm -r $d; [ -d $d ] || echo removed
