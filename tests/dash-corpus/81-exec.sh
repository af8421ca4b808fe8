echo before
exec sh -c 'echo "replaced $1"' arg0 one
echo not-reached
