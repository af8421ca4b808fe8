# find over a known tree: names, types, depths, pruning, -exec and -delete (sorted:
# directory order is the filesystem's).
d=/tmp/wk91; rm -r $d 2>/dev/null; mkdir -p $d/src/lib $d/doc $d/.hidden
for f in src/main.c src/util.c src/util.h src/lib/x.c doc/README doc/guide.TXT .hidden/k; do
    echo "$f" > $d/$f
done
: > $d/empty; ln -s src/main.c $d/link
cd $d
find . | sort
echo "-- name"; find . -name '*.c' | sort
echo "-- iname"; find . -iname '*.txt'
echo "-- type d"; find . -type d | sort
echo "-- type l"; find . -type l
echo "-- depth"; find . -maxdepth 1 -type f | sort; find src -mindepth 2
echo "-- not/or"; find src ! -name '*.c' | sort; find . \( -name '*.h' -o -name README \) -print | sort
echo "-- prune"; find . -name src -prune -o -type f -print | sort
echo "-- path"; find . -path './src/*' -name 'u*' | sort
echo "-- empty"; find . -empty
echo "-- exec"; find src -name '*.c' -exec wc -c {} \; | sort
find src -type f -exec echo files: {} + | tr ' ' '\n' | sort
find doc -type f -exec grep -l guide {} \;
echo "-- relative"; cd src; find .. -maxdepth 1 -name '*o*' | sort; cd ..
echo "-- delete"; find . -name '*.h' -delete; find . -name '*.h' | wc -l
find . -name nothing; echo "rc=$?"
find ./missing 2>&1; echo "rc=$?"
find . -bogus 2>&1; echo "rc=$?"
find . -name 2>&1; echo "rc=$?"
find . -type q 2>&1; echo "rc=$?"
find . \( -name x 2>&1; echo "rc=$?"
cd /; rm -r $d; echo done
