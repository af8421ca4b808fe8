d=/tmp/wk40; rm -r $d 2>/dev/null; mkdir $d $d/sub; cd $d
touch abc abd xyz .hidden sub/inner.txt 'sp ace'
echo *
echo .h*
echo ab?
echo [a-x]y*
echo *[!c]
echo sub/*
echo */*.txt
echo "*" '*' \*
for f in a*; do echo "file: $f"; done
set -- *; echo $#
echo sp*
x='a*'; echo $x "$x"
echo nomatch-*.q
set -f; echo *; set +f
echo [ab]b[cd]
cd /; rm -r $d
