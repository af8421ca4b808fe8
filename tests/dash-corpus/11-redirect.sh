echo first > /tmp/r.txt
echo second >> /tmp/r.txt
cat < /tmp/r.txt
echo to-stderr 1>&2
ls /nonexistent 2>/dev/null || echo "ls failed quietly"
rm /tmp/r.txt
