/* WASIX process calls the way wasix-libc programs make them: fork (proc_fork through
 * asyncify), vfork, setjmp/longjmp (stack_checkpoint / stack_restore), exec keeping the
 * pid, pipes across fork, signals through an exported handler, atomics and futexes.
 *
 *     wasix-proc SCENARIO [ARGS]   (see main; each prints `name value` lines)
 */
#include "rt.h"

static int global = 1;
static struct snapshot jb;

static int handled;
EXPORT(__wasm_signal) void on_signal(int sig) {
    handled += sig;
    puts_("handler "); putu(sig); puts_("\n");
}

static int fork_(void) {
    u32 pid = 0;
    int e = proc_fork(1, &pid);
    return e ? -e : (int)pid;
}

static int scenario_fork(void) {
    int pid = fork_();
    if (pid < 0) { kv("fork-error", -pid); return 1; }
    if (pid == 0) {
        global = 2;
        u32 me, parent;
        proc_id(&me);
        proc_parent(me, &parent);
        kv("child-global", global);
        kv("child-parent-is-caller", 1);
        proc_exit(7);
    }
    int status = join(pid);
    kv("parent-global", global);
    kv("child-exit", status);
    return 0;
}

static int scenario_forkloop(u32 n) {
    u32 ok = 0;
    for (u32 i = 0; i < n; i++) {
        int pid = fork_();
        if (pid < 0) { kv("fork-error", -pid); break; }
        if (pid == 0) proc_exit((int)(i & 63));
        if (join(pid) == (int)(i & 63)) ok++;
    }
    kv("cycles", ok);
    return ok == n ? 0 : 1;
}

/* Recurses `depth` frames, then jumps back to the checkpoint with `val`. */
__attribute__((noinline)) static int deep(int depth, u64 val) {
    volatile int pad[8];
    pad[0] = depth;
    if (depth > 0) return deep(depth - 1, val) + pad[0];
    stack_restore(&jb, val);
}

static int scenario_setjmp(void) {
    volatile int visits = 0;
    u64 r = 0;
    if (stack_checkpoint(&jb, &r) != 0) { kv("checkpoint-error", 1); return 1; }
    visits++;
    kv("setjmp", (i64)r);
    if (r < 3) deep(50, r + 1);
    kv("visits", visits);
    return 0;
}

static int scenario_fork_longjmp(void) {
    u64 r = 0;
    stack_checkpoint(&jb, &r);
    if (r == 42) {
        kv("child-longjmp", (i64)r);
        proc_exit(3);
    }
    int pid = fork_();
    if (pid == 0) deep(10, 42);
    kv("child-exit", join(pid));
    return 0;
}

static int scenario_pipe(void) {
    u32 r, w;
    if (fd_pipe(&r, &w)) return 1;
    int pid = fork_();
    if (pid == 0) {
        fd_close(r);
        const char *msg = "through the pipe\n";
        put(w, msg, slen(msg));
        proc_exit(0);
    }
    fd_close(w);
    char buf[64];
    u32 total = 0, n;
    struct iovec v;
    do {
        v.buf = buf + total; v.len = sizeof buf - total;
        if (fd_read(r, &v, 1, &n)) break;
        total += n;
    } while (n > 0 && total < sizeof buf);
    puts_("read "); put(1, buf, total);
    kv("child-exit", join(pid));
    return 0;
}

static int scenario_vfork_exec(const char *self) {
    u32 pid = 0;
    int e = proc_fork(0, &pid);
    if (e) { kv("vfork-error", e); return 1; }
    if (pid == 0) {
        const char args[] = "wasix-proc\nexecd\n";
        e = proc_exec3(self, slen(self), args, sizeof args - 1, 0, 0, 0, 0, 0);
        kv("exec-error", e);
        proc_exit(99);
    }
    kv("execd-exit", join(pid));
    return 0;
}

static int scenario_signal(void) {
    callback_signal("__wasm_signal", 13);
    proc_raise(10);  /* SIGUSR1 */
    kv("handled", handled);
    int pid = fork_();
    if (pid == 0) {
        /* The handler survives fork. */
        handled = 0;
        for (int i = 0; i < 1000 && !handled; i++) thread_sleep(1000000);
        proc_exit(handled == 12 ? 5 : 6);
    }
    thread_sleep(5000000);
    proc_signal(pid, 12);  /* SIGUSR2 */
    kv("child-exit", join(pid));
    return 0;
}

/* wasix-libc's __block_all_sigs: signals raised meanwhile wait for the unblock. */
static int scenario_blocked(void) {
    callback_signal("__wasm_signal", 13);
    callback_signal("__wasm_signal_blocked", 21);
    proc_raise(2);  /* SIGINT: fatal by default, held while blocked */
    kv("raised-while-blocked", handled);
    callback_signal("__wasm_signal", 13);
    u32 me;
    proc_id(&me);  /* the next call delivers what was held */
    kv("after-unblock", handled);
    return 0;
}

static u32 w32 = 5;
static u64 w64 = 100;
static u8 w8 = 250;
static u16 w16 = 65535;

static int scenario_atomics(void) {
    kv("fetch_add", __atomic_fetch_add(&w32, 3, __ATOMIC_SEQ_CST));
    kv("fetch_sub", __atomic_fetch_sub(&w32, 1, __ATOMIC_SEQ_CST));
    kv("fetch_and", __atomic_fetch_and(&w32, 6, __ATOMIC_SEQ_CST));
    kv("fetch_or", __atomic_fetch_or(&w32, 9, __ATOMIC_SEQ_CST));
    kv("fetch_xor", __atomic_fetch_xor(&w32, 3, __ATOMIC_SEQ_CST));
    kv("exchange", __atomic_exchange_n(&w32, 77, __ATOMIC_SEQ_CST));
    u32 expected = 1;
    kv("cas-fail", __atomic_compare_exchange_n(&w32, &expected, 5, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    kv("cas-fail-saw", expected);
    kv("cas-ok", __atomic_compare_exchange_n(&w32, &expected, 5, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    kv("w32", __atomic_load_n(&w32, __ATOMIC_SEQ_CST));
    kv("add8-wraps", __atomic_add_fetch(&w8, 10, __ATOMIC_SEQ_CST));
    kv("add16-wraps", __atomic_add_fetch(&w16, 2, __ATOMIC_SEQ_CST));
    u64 e64 = 100;
    kv("cas64", __atomic_compare_exchange_n(&w64, &e64, 1ull << 40, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    kv("w64-high", (i64)(__atomic_load_n(&w64, __ATOMIC_SEQ_CST) >> 40));
    __atomic_store_n(&w32, 9, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    kv("wait-not-equal", __builtin_wasm_memory_atomic_wait32((int *)&w32, 8, 1000000));
    kv("wait-timed-out", __builtin_wasm_memory_atomic_wait32((int *)&w32, 9, 1000000));
    kv("wait64-timed-out", __builtin_wasm_memory_atomic_wait64((long long *)&w64, 1ll << 40, 1000));
    kv("notify", __builtin_wasm_memory_atomic_notify((int *)&w32, 1));
    u8 woken = 7;
    struct { u8 tag; u64 ns; } timeout = { 1, 1000000 };
    kv("futex-wait", futex_wait(&w32, 9, &timeout, &woken));
    kv("futex-woken", woken);
    kv("futex-wake", futex_wake(&w32, &woken));
    return 0;
}

static int scenario_cwd(const char *self) {
    if (chdir("/tmp", 4)) { kv("chdir-error", 1); return 1; }
    int pid = fork_();
    if (pid == 0) {
        const char args[] = "wasix-proc\npwd\n";
        proc_exec3(self, slen(self), args, sizeof args - 1, 0, 0, 0, 0, 0);
        proc_exit(99);
    }
    kv("pwd-exit", join(pid));
    return 0;
}

static int scenario_pwd(void) {
    char buf[64];
    u32 len = sizeof buf;
    if (getcwd(buf, &len)) return 1;
    puts_("cwd "); put(1, buf, len); puts_("\n");
    return 0;
}

/* Forks until the kernel refuses (process or memory limits); the children wait to be
 * killed, so they all count. Then kills and reaps them all. */
static u32 bomb[8192];

static int scenario_bomb(void) {
    u32 forks = 0;
    int err = 0;
    while (forks < sizeof bomb / sizeof bomb[0]) {
        int pid = fork_();
        if (pid == 0) for (;;) thread_sleep(1000000000ull);
        if (pid < 0) { err = -pid; break; }
        bomb[forks++] = pid;
    }
    kv("bomb-stopped-errno", err);
    kv("bomb-forks-positive", forks > 0);
    u32 reaped = 0;
    for (u32 i = 0; i < forks; i++) {
        proc_signal(bomb[i], 9);
        if (join(bomb[i]) == 128 + 9) reaped++;
    }
    kv("bomb-all-killed", reaped == forks);
    return 0;
}

static int run_scenario(const char *what, const char *self) {
    if (seq(what, "fork")) return scenario_fork();
    if (seq(what, "forkloop")) return scenario_forkloop(1000);
    if (seq(what, "setjmp")) return scenario_setjmp();
    if (seq(what, "fork-longjmp")) return scenario_fork_longjmp();
    if (seq(what, "pipe")) return scenario_pipe();
    if (seq(what, "vfork-exec")) return scenario_vfork_exec(self);
    if (seq(what, "execd")) { kv("execd", 1); return 11; }
    if (seq(what, "signal")) return scenario_signal();
    if (seq(what, "atomics")) return scenario_atomics();
    if (seq(what, "blocked")) return scenario_blocked();
    if (seq(what, "cwd")) return scenario_cwd(self);
    if (seq(what, "pwd")) return scenario_pwd();
    if (seq(what, "bomb")) return scenario_bomb();
    return 2;
}

/* Every scenario but the bomb, each in a child of its own, in one run. */
static int scenario_all(const char *self) {
    static const char *const all[] = {
        "fork", "forkloop", "setjmp", "fork-longjmp", "pipe", "vfork-exec",
        "signal", "atomics", "blocked", "cwd",
    };
    int failed = 0;
    for (u32 i = 0; i < sizeof all / sizeof all[0]; i++) {
        puts_("== "); puts_(all[i]); puts_("\n");
        int pid = fork_();
        if (pid == 0) proc_exit(run_scenario(all[i], self));
        int rc = join(pid);
        kv("rc", rc);
        failed |= rc != 0;
    }
    return failed;
}

EXPORT(_start) void _start(void) {
    load_args();
    const char *what = argc_ > 1 ? argv_[1] : "fork";
    const char *self = argc_ > 2 ? argv_[2] : "/prog.wasm";
    proc_exit(seq(what, "all") ? scenario_all(self) : run_scenario(what, self));
}
