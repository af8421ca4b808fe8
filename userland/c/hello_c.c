/*
 * hello_c: the smallest C guest. Prints a greeting, its argument vector and a few
 * selected environment variables (`(unset)` when absent), then exits with the status
 * given as argv[1] (0 when there is none).
 */
#include <stdio.h>
#include <stdlib.h>

#include "inherit_cwd.h"

int main(int argc, char **argv) {
    inherit_cwd();
    static const char *const vars[] = {"HOME", "PATH", "USER", "GREETING"};

    printf("Hello from C!\n");
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]: \"%s\"\n", i, argv[i]);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *value = getenv(vars[i]);
        printf("%s: %s\n", vars[i], value ? value : "(unset)");
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
