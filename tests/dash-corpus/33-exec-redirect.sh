exec 7>/tmp/fd7.txt
echo via-fd7 >&7
exec 7>&-
cat /tmp/fd7.txt; rm /tmp/fd7.txt
