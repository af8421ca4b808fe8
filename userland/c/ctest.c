/*
 * ctest CASE [ARGS]: the C counterpart of the Rust `wasi-test` driver, exercising the
 * same WASI surface through wasi-libc. Output is deterministic and line-oriented;
 * failures print `error: <strerror text> (<WASI errno>)`.
 *
 * Cases: `files DIR`, `dirs DIR` (file-system operations inside DIR, which should be
 * empty; everything created is removed again), `stdin` (byte count and FNV-1a checksum),
 * `clock` (ok/FAIL property checks, exit 1 on FAIL), and two traps that Rust cannot
 * express directly: `div0` (a genuine `i32.div_s` by zero through volatile operands) and
 * `oob` (a volatile load from 0xFFFFFFF0, past the end of linear memory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inherit_cwd.h"

static const char *dir;

/* DIR/name in a static buffer (one path at a time is all any step needs). */
static const char *path(const char *name) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* Second path buffer, for rename. */
static const char *path2(const char *name) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* Prints `label: <value>` when rc >= 0, else `label: error: <text> (<errno>)`. */
static long report(const char *label, long rc) {
    if (rc < 0)
        printf("%s: error: %s (%d)\n", label, strerror(errno), errno);
    else
        printf("%s: %ld\n", label, rc);
    return rc;
}

/* Prints a file's contents, escaping non-printable bytes as \xNN. */
static void show_file(const char *label, const char *file) {
    char buf[256];
    int fd = open(file, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    if (n < 0) {
        report(label, -1);
    } else {
        printf("%s: \"", label);
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buf[i];
            if (c == '\n')
                printf("\\n");
            else if (c < 0x20 || c >= 0x7f)
                printf("\\x%02x", c);
            else
                putchar(c);
        }
        printf("\"\n");
    }
    if (fd >= 0)
        close(fd);
}

/* Like report(), but prints `ok` instead of the (runtime-assigned) descriptor number. */
static int opened(const char *label, int fd) {
    if (fd < 0)
        report(label, -1);
    else
        printf("%s: ok\n", label);
    return fd;
}

static long file_size(const char *file) {
    struct stat st;
    return stat(file, &st) < 0 ? -1 : (long)st.st_size;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the sorted entries of a directory (without `.` and `..`) on one line. */
static void show_dir(const char *label, const char *name) {
    char *names[64];
    size_t count = 0;
    DIR *d = opendir(name);
    if (!d) {
        report(label, -1);
        return;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) && count < 64) {
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
            names[count++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], cmp_names);
    printf("%s: [", label);
    for (size_t i = 0; i < count; i++) {
        printf("%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    printf("]\n");
}

static int files(void) {
    char buf[16];
    int fd = opened("open create", open(path("a.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644));
    report("write", write(fd, "hello world\n", 12));
    close(fd);
    report("size after write", file_size(path("a.txt")));
    show_file("read", path("a.txt"));

    fd = opened("open read-only", open(path("a.txt"), O_RDONLY));
    report("lseek set 6", lseek(fd, 6, SEEK_SET));
    ssize_t n = report("read 5", read(fd, buf, 5));
    printf("read 5 got: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    report("lseek cur", lseek(fd, 0, SEEK_CUR));
    report("lseek end -1", lseek(fd, -1, SEEK_END));
    report("write to read-only fd", write(fd, "x", 1));
    close(fd);

    fd = opened("open append", open(path("a.txt"), O_WRONLY | O_APPEND));
    report("append", write(fd, "more\n", 5));
    close(fd);
    report("size after append", file_size(path("a.txt")));
    show_file("read after append", path("a.txt"));

    fd = opened("open read-write", open(path("a.txt"), O_RDWR));
    n = report("pread 5 at 6", pread(fd, buf, 5, 6));
    printf("pread got: \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
    report("pwrite at 6", pwrite(fd, "WORLD", 5, 6));
    report("position after pwrite", lseek(fd, 0, SEEK_CUR));
    show_file("read after pwrite", path("a.txt"));
    report("ftruncate 5", ftruncate(fd, 5));
    report("size after truncate", file_size(path("a.txt")));
    report("ftruncate 8", ftruncate(fd, 8));
    show_file("read after extend", path("a.txt"));
    close(fd);

    opened("open O_EXCL existing", open(path("a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    report("rename a.txt b.txt", rename(path("a.txt"), path2("b.txt")));
    report("stat a.txt", file_size(path("a.txt")));
    report("stat b.txt", file_size(path("b.txt")));
    report("unlink b.txt", unlink(path("b.txt")));
    report("unlink b.txt again", unlink(path("b.txt")));
    opened("open missing", open(path("missing.txt"), O_RDONLY));
    show_dir("remaining entries", dir);
    return 0;
}

static int dirs(void) {
    report("mkdir d", mkdir(path("d"), 0755));
    report("mkdir d again", mkdir(path("d"), 0755));
    report("mkdir d/a", mkdir(path("d/a"), 0755));
    report("mkdir d/a/b", mkdir(path("d/a/b"), 0755));
    report("mkdir d/missing/x", mkdir(path("d/missing/x"), 0755));
    int fd = opened("create d/x.txt", open(path("d/x.txt"), O_CREAT | O_WRONLY, 0644));
    close(fd);
    show_dir("readdir d", path("d"));
    show_dir("readdir d/a", path("d/a"));
    show_dir("readdir d/x.txt", path("d/x.txt"));
    report("rmdir d (non-empty)", rmdir(path("d")));
    report("rmdir d/x.txt (file)", rmdir(path("d/x.txt")));
    report("unlink d/a (dir)", unlink(path("d/a")));
    report("rmdir d/a/b", rmdir(path("d/a/b")));
    report("rmdir d/a", rmdir(path("d/a")));
    report("unlink d/x.txt", unlink(path("d/x.txt")));
    report("rmdir d", rmdir(path("d")));
    report("rmdir d again", rmdir(path("d")));
    show_dir("remaining entries", dir);
    return 0;
}

static uint32_t fnv1a(uint32_t hash, const unsigned char *bytes, size_t len) {
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ bytes[i]) * 0x01000193u;
    return hash;
}

static int stdin_case(void) {
    unsigned char buf[4096];
    uint32_t hash = 0x811c9dc5u;
    unsigned long total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        hash = fnv1a(hash, buf, (size_t)n);
        total += (unsigned long)n;
    }
    if (n < 0) {
        report("stdin", -1);
        return 1;
    }
    printf("stdin: %lu bytes, fnv1a %08x\n", total, hash);
    return 0;
}

static int64_t now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int failed;

static void check(const char *label, int passed) {
    printf("%s: %s\n", label, passed ? "ok" : "FAIL");
    failed |= !passed;
}

static int clock_case(void) {
    check("realtime after 2020-01-01", now_ns(CLOCK_REALTIME) / 1000000000 > 1577836800);

    int64_t last = now_ns(CLOCK_MONOTONIC);
    int monotonic = 1;
    for (int i = 0; i < 1000; i++) {
        int64_t now = now_ns(CLOCK_MONOTONIC);
        monotonic &= now >= last;
        last = now;
    }
    check("monotonic non-decreasing over 1000 reads", monotonic);

    struct timespec delay = {0, 100000000};
    int64_t start = now_ns(CLOCK_MONOTONIC);
    check("nanosleep 100 ms returns 0", nanosleep(&delay, NULL) == 0);
    int64_t slept = now_ns(CLOCK_MONOTONIC) - start;
    check("nanosleep 100 ms advances monotonic >= 100 ms", slept >= 100000000);
    check("nanosleep 100 ms advances monotonic < 5 s", slept < 5000000000LL);
    return failed;
}

static int div0(void) {
    volatile int dividend = 1, divisor = 0;
    printf("triggering div0\n");
    fflush(stdout);
    printf("quotient %d\n", dividend / divisor);
    printf("FAIL: div0 did not trap\n");
    return 1;
}

static int oob(void) {
    volatile int *far = (volatile int *)0xFFFFFFF0u;
    printf("triggering oob\n");
    fflush(stdout);
    printf("oob read returned %d\n", *far);
    printf("FAIL: oob did not trap\n");
    return 1;
}

int main(int argc, char **argv) {
    inherit_cwd();
    const char *name = argc > 1 ? argv[1] : "";
    if (argc == 3 && !strcmp(name, "files"))
        return dir = argv[2], files();
    if (argc == 3 && !strcmp(name, "dirs"))
        return dir = argv[2], dirs();
    if (argc == 2 && !strcmp(name, "stdin"))
        return stdin_case();
    if (argc == 2 && !strcmp(name, "clock"))
        return clock_case();
    if (argc == 2 && !strcmp(name, "div0"))
        return div0();
    if (argc == 2 && !strcmp(name, "oob"))
        return oob();
    fprintf(stderr, "usage: ctest files DIR | dirs DIR | stdin | clock | div0 | oob\n");
    return 2;
}
