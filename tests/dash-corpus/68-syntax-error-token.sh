echo start
echo )
echo never
