{ echo alpha beta gamma; echo second line; } > /tmp/in.txt
while read first rest; do echo "[$first] [$rest]"; done < /tmp/in.txt
rm /tmp/in.txt
