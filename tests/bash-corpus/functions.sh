# A shell function call: bash 5.1 runs its unwind-protect cleanups when the call returns.
f() { echo in-f; }
f
echo after
