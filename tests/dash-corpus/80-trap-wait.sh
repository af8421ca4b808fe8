trap 'echo caught; exit 7' HUP
(sleep 0; kill -HUP $$) &
wait
echo not-reached
