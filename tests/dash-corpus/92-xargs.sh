# xargs: batching, -n, -I, -0/-d, quotes, -t, and the exit statuses.
printf 'a b\nc\n  d  \n' | xargs echo
printf 'a b\nc\nd\n' | xargs -n 2 echo got
printf 'one\ntwo words\n' | xargs -I {} echo "[{}]"
printf 'x\0y z\0' | xargs -0 -n 1 echo item
printf 'p:q r:s' | xargs -d : -n 1 echo part
printf '"quoted words" it\\'"'"'s plain\n' | xargs -n 1 echo
printf '1\n2\n' | xargs -t -n 1 echo tr 2>&1
printf '' | xargs echo empty-ran
printf '' | xargs -r echo not-run; echo "rc=$?"
printf 'a\nb\n' | xargs -L 1 echo line
d=/tmp/wk92; rm -r $d 2>/dev/null; mkdir $d; cd $d
printf 'f1\nf2\nf3\n' | xargs touch; ls
ls | xargs -n 1 sh -c 'echo "in $0"'
echo f1 | xargs rm; ls | xargs
printf 'x\n' | xargs false; echo "rc=$?"
printf 'x\n' | xargs sh -c 'exit 255' 2>&1; echo "rc=$?"
printf 'x\n' | xargs nonesuch-cmd 2>&1; echo "rc=$?"
printf "it's\n" | xargs echo 2>&1; echo "rc=$?"
printf 'x\n' | xargs -n 0 echo 2>&1; echo "rc=$?"
cd /; rm -r $d; echo done
