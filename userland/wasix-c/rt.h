/* A freestanding runtime for our WASIX test programs: no libc, only the imports.
 *
 * The programs are built the way wasix-libc builds real WASIX binaries (atomics, an
 * imported shared memory, asyncify for fork and setjmp; see build.sh), so they exercise
 * the kernel's lowering of the threads proposal and its stack switching, but every line
 * of code in them is ours. The classic calls are imported from `wasix_32v1`, as older
 * wasix-libc builds do (dash, bash); `P1` imports from wasi_snapshot_preview1. Like
 * wasix-libc, a program exporting `__wasm_signal` numbers signals as musl does on Linux
 * (CHLD = 17), and the kernel converts. */
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

#define WASIX(name) __attribute__((import_module("wasix_32v1"), import_name(#name)))
#define P1(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

struct ciovec { const void *buf; u32 len; };
struct iovec { void *buf; u32 len; };
struct option_pid { u8 tag; u32 pid; };
struct join_status { u8 tag; u8 pad; u16 code; u8 signal; u8 pad2; };
struct snapshot { u64 user; u64 hash[2]; };

WASIX(fd_write) int fd_write(int fd, const struct ciovec *iovs, int n, u32 *written);
P1(fd_read) int fd_read(int fd, const struct iovec *iovs, int n, u32 *read);
WASIX(fd_close) int fd_close(int fd);
WASIX(fd_pipe) int fd_pipe(u32 *r, u32 *w);
WASIX(args_sizes_get) int args_sizes_get(u32 *argc, u32 *size);
WASIX(args_get) int args_get(char **argv, char *buf);
WASIX(proc_exit) _Noreturn void proc_exit(int code);
WASIX(proc_id) int proc_id(u32 *pid);
WASIX(proc_parent) int proc_parent(u32 pid, u32 *parent);
WASIX(proc_fork) int proc_fork(int copy_memory, u32 *pid);
WASIX(proc_join) int proc_join(struct option_pid *pid, u32 flags, struct join_status *st);
WASIX(proc_exec3) int proc_exec3(const char *name, u32 name_len, const char *args, u32 args_len,
                                 const char *envs, u32 envs_len, int search, const char *path, u32 path_len);
WASIX(proc_raise) int proc_raise(int sig);
WASIX(proc_signal) int proc_signal(u32 pid, int sig);
WASIX(callback_signal) void callback_signal(const char *name, u32 len);
WASIX(thread_sleep) int thread_sleep(u64 ns);
WASIX(stack_checkpoint) int stack_checkpoint(struct snapshot *s, u64 *ret);
WASIX(stack_restore) _Noreturn void stack_restore(const struct snapshot *s, u64 val);
WASIX(getcwd) int getcwd(char *buf, u32 *len);
WASIX(chdir) int chdir(const char *path, u32 len);
WASIX(futex_wait) int futex_wait(u32 *futex, u32 expected, const void *timeout, u8 *woken);
WASIX(futex_wake) int futex_wake(u32 *futex, u8 *woken);

static u32 slen(const char *s) { u32 n = 0; while (s[n]) n++; return n; }

static int seq(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static void put(int fd, const char *s, u32 n) {
    struct ciovec v = { s, n };
    u32 w;
    while (n > 0 && fd_write(fd, &v, 1, &w) == 0 && w > 0) { v.buf = (const char *)v.buf + w; v.len -= w; n -= w; }
}

static void puts_(const char *s) { put(1, s, slen(s)); }

static void putu(u64 v) {
    char b[24]; int i = 24;
    do { b[--i] = '0' + v % 10; v /= 10; } while (v);
    put(1, b + i, 24 - i);
}

static void puti(i64 v) {
    if (v < 0) { puts_("-"); putu((u64)-v); } else putu((u64)v);
}

/* "name value\n" */
static void kv(const char *k, i64 v) { puts_(k); puts_(" "); puti(v); puts_("\n"); }

static u32 argc_;
static char *argv_[16];
static char argbuf_[1024];

static void load_args(void) {
    u32 n, size;
    if (args_sizes_get(&n, &size) != 0 || n > 16 || size > sizeof argbuf_) { argc_ = 0; return; }
    args_get(argv_, argbuf_);
    argc_ = n;
}

/* Waits for `pid`, again after INTR (a handled signal such as CHLD came); returns the
 * exit code, 128 + the signal, or -errno. */
static int join(u32 pid) {
    struct option_pid p = { 1, pid };
    struct join_status st;
    int e;
    do e = proc_join(&p, 0, &st); while (e == 27);
    if (e) return -e;
    return st.tag == 1 ? st.code : 128 + st.signal;
}
