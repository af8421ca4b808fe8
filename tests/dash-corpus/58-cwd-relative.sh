d=/tmp/wk58; rm -r $d 2>/dev/null; mkdir $d; cd $d
echo content > file.txt
cat file.txt
mkdir sub; echo nested > sub/n.txt
cat sub/n.txt; wc -c < file.txt; wc -c file.txt
ls
cd sub; cat n.txt ../file.txt; ls ..
cp n.txt copy.txt; ls; mv copy.txt moved.txt; ls; rm moved.txt
head -n 1 ../file.txt; grep nest n.txt; sort ../file.txt n.txt
cd ..; touch t1; ls; rm t1; rmdir sub 2>/dev/null || echo "sub not empty"
cd /; rm -r $d; echo cleaned
