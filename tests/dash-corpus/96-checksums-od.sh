# cksum, sha256sum (and -c), od in its common forms, du -b on files.
d=/tmp/wk96; rm -r $d 2>/dev/null; mkdir $d; cd $d
printf 'hello\n' > h; printf '' > z; seq 1 1000 > s; printf 'AB\000\001\177\n\t ~' > b
cksum h z s; printf 'hello\n' | cksum; cksum < s
sha256sum h z; printf 'abc' | sha256sum
sha256sum h s > sums; sha256sum -c sums; echo "rc=$?"
echo changed > h; sha256sum -c sums; echo "rc=$?"; sha256sum -c --quiet sums; echo "rc=$?"
sha256sum --status -c sums; echo "rc=$?"
echo 'not a checksum line' > bad; sha256sum -c bad 2>&1; echo "rc=$?"
cksum missing 2>&1; echo "rc=$?"
od b; od -c b; od -t x1 b; od -An -t x1 b; od -Ax -t x2 s | head -n 2
od -t d1 -t c b; od -t u2 -t x4 b; od -b -N 4 s; od -j 4 -N 8 -c s; od -t x1z h
od z; printf "aaaaaaaaaaaaaaaa%.0s" 1 2 3 4 | od; od -v -N 20 -t o1 s | tail -n 1
od -t q b 2>&1; echo "rc=$?"
du -b h s b; du -bh s; du -b -c h s | tail -n 1
cd /; rm -r $d; echo done
