# basename and dirname on the usual shapes of paths, as scripts use them. (No empty
# argument: the WASIX spawn's newline-separated argument list cannot carry one.)
for p in /usr/lib/libc.so a/b/ b // / . .. name x//y//; do
    echo "[$p] base=[$(basename "$p")] dir=[$(dirname "$p")]"
done
basename /a/b/file.tar.gz .gz; basename file.c .c; basename .c .c
basename -a x/one y/two/; basename -s .sh run.sh build.sh
dirname a/b c/d/e /f
f=/tmp/wk90/report.txt; echo "$(dirname $f) $(basename $f .txt)"
basename; echo "rc=$?"
basename a b c; echo "rc=$?"
dirname; echo "rc=$?"
