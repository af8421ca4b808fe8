exec 3>/tmp/fd3.txt
echo via-fd3 >&3
exec 3>&-
cat /tmp/fd3.txt; rm /tmp/fd3.txt
