# sed: substitutions (flags, groups, &, delimiters), addresses, d/p/-n/-e, q, y.
d=/tmp/wk93; rm -r $d 2>/dev/null; mkdir $d; cd $d
printf 'hello world\nfoo bar baz\n\nthe end\n' > t
sed 's/o/0/' t; sed 's/o/0/g' t; sed -n 's/a/A/2p' t
sed 's/\(hel\)lo/[\1]/; s/[aeiou]/<&>/g' t
sed -E 's/([a-z]+) ([a-z]+)/\2 \1/' t
sed 's|o|/|g; s#e#E#' t
sed 's/l*/X/g' t
sed -e 1d -e '$d' t; sed '2,3d' t; sed -n '/foo/,/end/p' t; sed '/^$/d' t
sed -n '$=' t; sed -n '2{p;p}' t; sed '/foo/!s/^/> /' t
sed 2q t; sed -n '3q7;p' t; echo "rc=$?"
sed 'y/abcdefghij/ABCDEFGHIJ/' t
seq 1 10 | sed -n '3,+2p'; seq 1 10 | sed '0,/[0-9]/s//N/'; seq 1 10 | sed -n '2,4!p'
seq 1 6 | sed 'N;s/\n/-/'; seq 1 5 | sed '1!G;h;$!d'; seq 1 5 | sed '$!N;P;D'
printf 'a\nb' | sed 's/b/B/'; echo; printf 'x\n' | sed p
echo path/to/file.txt | sed 's,.*/,,; s/\.[^.]*$//'
echo 'key = value' | sed -E 's/^([^ =]+) *= *(.*)$/\1=\2/'
echo aaa | sed 's/a/b/3'; echo 'tab	here' | sed 's/\t/<T>/'
cd /; rm -r $d; echo done
