# sed: -i in place (with a backup), a/i/c, the hold space, branches, -s, -f, errors.
# (Multi-line scripts come as several -e or from a file: the WASIX spawn's argument list
# is newline-separated, so one argument cannot hold a newline.)
d=/tmp/wk94; rm -r $d 2>/dev/null; mkdir $d; cd $d
seq 1 5 > n; printf 'alpha\nbeta\n' > w
sed -i 's/3/three/' n; cat n
sed -i.bak -e '1d' w; cat w w.bak
sed -e '2i\' -e inserted n
sed '2a appended' n; sed -e '$a\' -e last n; sed -e '2,3c\' -e changed n; sed '1i top' w
sed -n 'h;n;G;p' n
sed ':a;N;$!ba;s/\n/,/g' n
sed 's/1/one/;t;s/$/ (no 1)/' n
sed -s -n '$p' n w; sed -n '$p' n w
cat > script.sed <<'END'
s/beta/BETA/
1i\
header
END
sed -f script.sed w
sed = w | sed 'N;s/\n/: /'
sed -n '/alpha/{s/a/A/g;p;}' w.bak
sed p missing-file 2>&1; echo "rc=$?"
sed 'k' n 2>&1; echo "rc=$?"
sed 's/a/b' n 2>&1; echo "rc=$?"
sed -n '/x/{p' n 2>&1; echo "rc=$?"
cd /; rm -r $d; echo done
