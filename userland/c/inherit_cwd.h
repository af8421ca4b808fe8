/*
 * inherit_cwd(): makes relative paths resolve against the directory the program was
 * started in, like the Rust programs' `userland::inherit_cwd()`. wasi-libc keeps its own
 * working directory, which starts at `/`; the shell exports `PWD` (as dash does), so a C
 * program started from it adopts that directory. A `PWD` that is not an absolute,
 * existing directory is ignored.
 */
#ifndef INHERIT_CWD_H
#define INHERIT_CWD_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void inherit_cwd(void) {
    const char *pwd = getenv("PWD");
    if (pwd && pwd[0] == '/' && strcmp(pwd, "/") != 0)
        (void)chdir(pwd);
}

#endif
