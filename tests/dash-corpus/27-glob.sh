mkdir -p /tmp/g && cd /tmp/g && touch a1 a2 b1
echo a*
echo ?1
echo [ab]2
echo nomatch*
cd / && rm -r /tmp/g 2>/dev/null || rm /tmp/g/a1 /tmp/g/a2 /tmp/g/b1
