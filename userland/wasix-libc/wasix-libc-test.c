/*
 * wasix-libc-test: our own test program built against the real wasix-libc (build.sh).
 * Each subcommand is one scenario printing deterministic lines; `all SELF` runs every
 * scenario in a forked child, framing each as "== NAME" ... "rc N" (SELF is the path
 * this program is installed at, which the scenarios exec and spawn).
 *
 * Helper subcommands (what the scenarios exec): `args A...` prints its arguments,
 * `env` its environment (but PATH), `spawn-inherit` spawns `env` with proc_spawn3 and a
 * null envp,
 * `exit N` exits with N, `cat-upper` copies stdin to stdout in upper case, `say TEXT`
 * writes TEXT and a newline, `cwd` prints the working directory, `count-stdin` prints
 * how many bytes stdin holds.
 *
 * `bench SELF [REPS]` is not a scenario: it prints `bench: posix_spawn.wait V us` (and
 * `.min`/`.max`) for the boot tool's bench — REPS rounds (default 5) of 20
 * posix_spawn(SELF exit 0) + waitpid each, a round's figure the mean per spawn.
 */
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *self = "/bin/wasix-libc-test";

/* Writes a whole string with write(2): safe in a signal handler and unaffected by stdio
 * buffers that fork would duplicate. */
static void say(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void sayf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void sayf(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    say(buf);
}

/* Prints how a waited-for child ended: "NAME-exit N" or "NAME-signal N". A plain
 * waitpid: the child's SIGCHLD must not interrupt it (nothing here handles SIGCHLD). */
static int report(const char *name, pid_t pid) {
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    if (got != pid) {
        sayf("%s-waitpid-failed %d errno %d\n", name, (int)got, errno);
        return -1;
    }
    if (WIFEXITED(status)) {
        sayf("%s-exit %d\n", name, WEXITSTATUS(status));
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        sayf("%s-signal %d\n", name, WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    sayf("%s-status %d\n", name, status);
    return -1;
}

/* ---- helpers run by exec/spawn ---- */

static int helper_args(int argc, char **argv) {
    sayf("argc %d\n", argc - 2);
    for (int i = 2; i < argc; i++) sayf("arg [%s]\n", argv[i]);
    return 0;
}

static int helper_cat_upper(void) {
    char buf[256];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
        if (write(1, buf, (size_t)n) != n) return 1;
    }
    return n < 0 ? 2 : 0;
}

static int helper_count_stdin(void) {
    char buf[256];
    ssize_t n;
    long total = 0;
    while ((n = read(0, buf, sizeof buf)) > 0) total += n;
    sayf("stdin-bytes %ld\n", total);
    return n < 0 ? 2 : 0;
}

static int helper_cwd(void) {
    char buf[256];
    if (!getcwd(buf, sizeof buf)) {
        sayf("getcwd-failed %d\n", errno);
        return 1;
    }
    sayf("exec-cwd %s\n", buf);
    return 0;
}

/* ---- scenarios ---- */

/* fork, exec ourselves with arguments (one holding a space), wait for the exit code. */
static int t_fork_exec(void) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        execl(self, self, "args", "one two", "three", (char *)NULL);
        sayf("execl-failed %d\n", errno);
        _exit(127);
    }
    report("args", pid);
    pid = fork();
    if (pid == 0) {
        char *argv[] = {(char *)self, "exit", "7", NULL};
        execv(self, argv);
        _exit(127);
    }
    report("child", pid);
    return 0;
}

/* vfork then exec: the parent resumes only once the child has exec'd. */
static int t_vfork_exec(void) {
    pid_t pid = vfork();
    if (pid < 0) return 1;
    if (pid == 0) {
        execl(self, self, "say", "from-vfork-child", (char *)NULL);
        _exit(127);
    }
    /* Printed after the wait: the exec'd child's output and ours would otherwise race. */
    report("vfork-child", pid);
    say("parent-resumed\n");
    return 0;
}

/* posix_spawn with open/dup2/close file actions; posix_spawnp searching PATH. */
static int t_posix_spawn(void) {
    const char *path = "/tmp/spawn-out.txt";
    unlink(path);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* stdout → a fresh file; stdin from the file we write below through fd 5. */
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/tmp/spawn-in.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (in < 0) {
        sayf("open-failed %d\n", errno);
        return 2;
    }
    if (write(in, "twelve bytes", 12) != 12) return 3;
    lseek(in, 0, SEEK_SET);
    if (in != 5) {
        if (dup2(in, 5) < 0) return 4;
        close(in);
    }
    posix_spawn_file_actions_adddup2(&fa, 5, 0);
    posix_spawn_file_actions_addclose(&fa, 5);
    pid_t pid;
    char *argv[] = {(char *)self, "count-stdin", NULL};
    int e = posix_spawn(&pid, self, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e) {
        sayf("posix_spawn-failed %d\n", e);
        return 5;
    }
    report("spawned", pid);
    close(5);
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    sayf("file-holds %s", n > 0 ? buf : "nothing\n");

    /* Spawned with descriptor 5 closed by the action: the child must not see it. */
    char *argv2[] = {(char *)self, "fd5", NULL};
    e = posix_spawn(&pid, self, NULL, NULL, argv2, environ);
    if (e) return 6;
    report("fd5", pid);

    /* posix_spawnp finds "wasix-libc-test" through PATH. */
    setenv("PATH", "/nonexistent:/bin", 1);
    char *argv3[] = {"wasix-libc-test", "args", "via-path", NULL};
    e = posix_spawnp(&pid, "wasix-libc-test", NULL, NULL, argv3, environ);
    if (e) {
        sayf("posix_spawnp-failed %d\n", e);
        return 7;
    }
    report("spawnp", pid);
    /* A missing program fails with ENOENT, not a child that exits 127. */
    e = posix_spawn(&pid, "/bin/does-not-exist", NULL, NULL, argv3, environ);
    sayf("missing-enoent %d\n", e == ENOENT);
    return 0;
}

/* popen for reading and for writing (through /bin/sh -c). */
static int t_popen(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s say popen-read-line", self);
    FILE *f = popen(cmd, "r");
    if (!f) {
        sayf("popen-r-failed %d\n", errno);
        return 1;
    }
    char line[128];
    while (fgets(line, sizeof line, f)) sayf("got %s", line);
    sayf("pclose-r %d\n", WEXITSTATUS(pclose(f)));

    snprintf(cmd, sizeof cmd, "%s cat-upper", self);
    fflush(stdout);
    f = popen(cmd, "w");
    if (!f) {
        sayf("popen-w-failed %d\n", errno);
        return 2;
    }
    fputs("written to popen\n", f);
    sayf("pclose-w %d\n", WEXITSTATUS(pclose(f)));
    return 0;
}

/* system() runs /bin/sh -c and gives back the wait status. */
static int t_system(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s say from-system", self);
    int st = system(cmd);
    sayf("system-exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    snprintf(cmd, sizeof cmd, "%s exit 3", self);
    st = system(cmd);
    sayf("system-exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sayf("system-null %d\n", system(NULL) != 0);
    return 0;
}

/* Two children joined by a pipe through dup2: `say` | `cat-upper`. */
static int t_pipeline(void) {
    int p[2];
    if (pipe(p) < 0) return 1;
    pid_t a = fork();
    if (a == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(self, self, "say", "down the pipeline", (char *)NULL);
        _exit(127);
    }
    pid_t b = fork();
    if (b == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        execl(self, self, "cat-upper", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    close(p[1]);
    /* The reader prints the line, then ends; the writer has ended by then. */
    report("reader", b);
    report("writer", a);
    return 0;
}

/* waitpid(WNOHANG) gives 0 while the child runs and its pid once it has ended. */
static int t_wnohang(void) {
    int p[2];
    if (pipe(p) < 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        /* Runs until the parent closes its end of the pipe. */
        ssize_t n = read(p[0], &c, 1);
        _exit(n == 0 ? 9 : 8);
    }
    close(p[0]);
    int status = 0;
    pid_t got = waitpid(pid, &status, WNOHANG);
    sayf("while-running %d\n", (int)got);
    close(p[1]);
    int tries = 0;
    do {
        got = waitpid(pid, &status, WNOHANG);
        if (got == 0) usleep(1000);
    } while (got == 0 && ++tries < 10000);
    sayf("after-end-is-pid %d\n", got == pid);
    sayf("after-end-exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    got = waitpid(pid, &status, WNOHANG);
    sayf("reaped-echild %d\n", got < 0 && errno == ECHILD);
    return 0;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) {
    char msg[] = "handler SIGUSR1 N\n";
    msg[sizeof msg - 3] = (char)('0' + (sig == SIGUSR1));
    say(msg);
    got_usr1 = 1;
}

/* kill() a child whose SIGUSR1 handler calls write(); then SIGKILL it. */
static int t_kill(void) {
    int ready[2];
    if (pipe(ready) < 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1) _exit(1);
        while (!got_usr1) usleep(1000);
        say("child-saw-usr1\n");
        if (write(ready[1], "h", 1) != 1) _exit(1);
        for (;;) usleep(1000);
    }
    close(ready[1]);
    char c;
    if (read(ready[0], &c, 1) != 1) return 2;
    sayf("kill-usr1 %d\n", kill(pid, SIGUSR1));
    if (read(ready[0], &c, 1) != 1) return 3;
    sayf("kill-kill %d\n", kill(pid, SIGKILL));
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    sayf("killed-waited %d signaled %d termsig %d exited %d\n", got == pid, WIFSIGNALED(status),
         WTERMSIG(status), WIFEXITED(status));
    /* And the parent's own handler, through raise(). */
    signal(SIGUSR1, on_usr1);
    got_usr1 = 0;
    raise(SIGUSR1);
    sayf("raised %d\n", (int)got_usr1);
    close(ready[0]);
    return 0;
}

/* Signals this process never installed a handler for (it never calls sigaction) take
 * their default action: CHLD and WINCH are ignored, TERM and VTALRM (Linux's number 26)
 * end the child, which waitpid reports as signalled with that signal. */
static int t_default_signals(void) {
    int up[2], down[2];
    if (pipe(up) < 0 || pipe(down) < 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(up[0]);
        close(down[1]);
        if (write(up[1], "r", 1) != 1) _exit(1);
        /* Woken once the parent has sent CHLD and WINCH: still alive. */
        if (read(down[0], &c, 1) != 1) _exit(2);
        say("child-survived-chld-winch\n");
        if (write(up[1], "a", 1) != 1) _exit(3);
        for (;;) usleep(1000);
    }
    close(up[1]);
    close(down[0]);
    char c;
    if (read(up[0], &c, 1) != 1) return 2;
    sayf("kill-chld %d\n", kill(pid, SIGCHLD));
    sayf("kill-winch %d\n", kill(pid, SIGWINCH));
    if (write(down[1], "g", 1) != 1) return 3;
    if (read(up[0], &c, 1) != 1) return 4;
    sayf("kill-term %d\n", kill(pid, SIGTERM));
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    sayf("term-waited %d signaled %d termsig %d exited %d\n", got == pid, WIFSIGNALED(status),
         WTERMSIG(status), WIFEXITED(status));
    pid = fork();
    if (pid == 0) {
        for (;;) usleep(1000);
    }
    sayf("kill-vtalrm %d\n", kill(pid, SIGVTALRM));
    got = waitpid(pid, &status, 0);
    sayf("vtalrm-waited %d signaled %d termsig %d\n", got == pid, WIFSIGNALED(status),
         WTERMSIG(status));
    close(up[0]);
    close(down[1]);
    return 0;
}

/* The 2026 calls that take argv and envp as char** lists; wasix-libc 34178a6 does not
 * declare them yet, so we import them ourselves (signatures as wasmer's lib/wasix). */
__attribute__((import_module("wasix_32v1"), import_name("proc_spawn3"))) int32_t
wasix_proc_spawn3(const char *name, size_t name_len, const char *const *args, size_t nargs,
                  const char *const *envs, size_t nenvs, const void *ops, size_t nops,
                  const void *sigs, size_t nsigs, int32_t search, const char *path,
                  size_t path_len, uint32_t *ret_pid);
__attribute__((import_module("wasix_32v1"), import_name("proc_exec4"))) int32_t
wasix_proc_exec4(const char *name, size_t name_len, const char *const *args, size_t nargs,
                 const char *const *envs, size_t nenvs, int32_t search, const char *path,
                 size_t path_len);

/* proc_spawn3 and proc_exec4: arguments that are empty or hold a newline arrive intact,
 * the environment is the given list (or, for a null list, the caller's), and a bare name
 * is found on the default search path. */
static int helper_spawn_inherit(void) {
    const char *envv[] = {self, "env"};
    uint32_t child = 0;
    int e = wasix_proc_spawn3(self, strlen(self), envv, 2, NULL, 0, NULL, 0, NULL, 0, 0, NULL,
                              0, &child);
    if (e) return 1;
    report("spawn3-inherit", (pid_t)child);
    return 0;
}

static int t_char_lists(void) {
    const char *argv[] = {self, "args", "", "two\nlines"};
    const char *envp[] = {"K=v", "EMPTY="};
    uint32_t child = 0;
    int e = wasix_proc_spawn3(self, strlen(self), argv, 4, envp, 2, NULL, 0, NULL, 0, 0, NULL,
                              0, &child);
    if (e) {
        sayf("spawn3-failed %d\n", e);
        return 1;
    }
    report("spawn3", (pid_t)child);
    const char *envv[] = {self, "env"};
    e = wasix_proc_spawn3(self, strlen(self), envv, 2, envp, 2, NULL, 0, NULL, 0, 0, NULL, 0,
                          &child);
    if (e) return 2;
    report("spawn3-env", (pid_t)child);
    /* A null envp is the environment the kernel gave the process (setenv() is libc's
     * business): exec4 one with K and EMPTY, which spawns with a null envp. */
    pid_t pid = fork();
    if (pid == 0) {
        const char *a[] = {self, "spawn-inherit"};
        e = wasix_proc_exec4(self, strlen(self), a, 2, envp, 2, 0, NULL, 0);
        _exit(127);
    }
    report("exec4-inherit", pid);
    pid = fork();
    if (pid == 0) {
        const char *name = "wasix-libc-test";
        const char *a[] = {name, "args", "a b", ""};
        e = wasix_proc_exec4(name, strlen(name), a, 4, envp, 2, 1, NULL, 0);
        sayf("exec4-failed %d\n", e);
        _exit(127);
    }
    report("exec4", pid);
    const char *missing = "no-such-program";
    e = wasix_proc_exec4(missing, strlen(missing), argv, 1, NULL, 0, 1, NULL, 0);
    sayf("exec4-missing-enoent %d\n", e == ENOENT);
    return 0;
}

/* eventfd: a read takes the count, writes add to it, a semaphore counts down by one, an
 * empty non-blocking one is EAGAIN, poll sees it readable only with a count, and a
 * blocking read waits for a forked child's write to the shared counter. */
static int t_eventfd(void) {
    int fd = eventfd(3, 0);
    if (fd < 0) {
        sayf("eventfd-failed %d\n", errno);
        return 1;
    }
    uint64_t v = 0;
    sayf("read %d value %llu\n", (int)read(fd, &v, 8), (unsigned long long)v);
    v = 5;
    if (write(fd, &v, 8) != 8) return 2;
    v = 2;
    if (write(fd, &v, 8) != 8) return 3;
    eventfd_t got = 0;
    sayf("eventfd_read %d value %llu\n", eventfd_read(fd, &got), (unsigned long long)got);
    sayf("short-read-einval %d\n", read(fd, &v, 4) < 0 && errno == EINVAL);
    v = UINT64_MAX;
    sayf("max-write-einval %d\n", write(fd, &v, 8) < 0 && errno == EINVAL);
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    sayf("poll-empty %d revents %d\n", poll(&p, 1, 0), p.revents);
    int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 3; i++) {
        ssize_t n = read(sem, &v, 8);
        sayf("sem-read %d value %llu eagain %d\n", (int)n, n == 8 ? (unsigned long long)v : 0ULL,
             n < 0 && errno == EAGAIN);
    }
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        eventfd_write(fd, 42);
        _exit(0);
    }
    p.events = POLLIN;
    p.revents = 0;
    sayf("poll-woken %d revents %d\n", poll(&p, 1, 5000), p.revents);
    got = 0;
    sayf("blocking-read %d value %llu\n", eventfd_read(fd, &got), (unsigned long long)got);
    report("writer", pid);
    close(sem);
    close(fd);
    return 0;
}

/* Prints one epoll_wait's result: the count, then each event's fd and its bits. */
static void waited(const char *what, int ep, int timeout_ms) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, timeout_ms);
    sayf("%s %d", what, n);
    for (int i = 0; i < n; i++) {
        unsigned e = evs[i].events;
        sayf(" [fd %d%s%s%s%s]", evs[i].data.fd, e & EPOLLIN ? " IN" : "", e & EPOLLOUT ? " OUT" : "",
             e & EPOLLHUP ? " HUP" : "", e & EPOLLERR ? " ERR" : "");
    }
    say("\n");
}

static int watch(int ep, int op, int fd, unsigned events) {
    struct epoll_event ev = {.events = events};
    ev.data.fd = fd;
    return epoll_ctl(ep, op, fd, &ev);
}

/* epoll over a pipe and an eventfd: level-triggered readiness, ONESHOT, the ctl errors,
 * a wait woken by a forked child's write, a timeout, and HUP/ERR on a widowed pipe. */
static int t_epoll(void) {
    int ep = epoll_create1(0);
    int p[2];
    if (ep < 0 || pipe(p) < 0) {
        sayf("epoll-create-failed %d\n", errno);
        return 1;
    }
    int efd = eventfd(0, 0);
    sayf("fds ep %d pipe %d %d efd %d\n", ep, p[0], p[1], efd);
    /* This libc's epoll_ctl returns the errno itself (not -1): print what it returns. */
    sayf("add %d %d\n", watch(ep, EPOLL_CTL_ADD, p[0], EPOLLIN), watch(ep, EPOLL_CTL_ADD, efd, EPOLLIN));
    sayf("add-again %d\n", watch(ep, EPOLL_CTL_ADD, p[0], EPOLLIN));
    sayf("mod-unwatched-enoent %d\n", watch(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT) == ENOENT);
    sayf("del-unwatched-enoent %d\n", watch(ep, EPOLL_CTL_DEL, p[1], 0) == ENOENT);
    sayf("bad-fd-ebadf %d\n", watch(ep, EPOLL_CTL_ADD, 99, EPOLLIN) == EBADF);
    sayf("not-epoll-einval %d\n", watch(p[0], EPOLL_CTL_ADD, efd, EPOLLIN) == EINVAL);
    waited("nothing", ep, 0);
    if (write(p[1], "x", 1) != 1) return 2;
    waited("pipe", ep, 0);
    eventfd_write(efd, 1);
    waited("both", ep, 0);
    waited("still-both", ep, 0);
    char c;
    eventfd_t v;
    if (read(p[0], &c, 1) != 1 || eventfd_read(efd, &v) != 0) return 3;
    waited("drained", ep, 0);
    sayf("add-out %d\n", watch(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT));
    waited("writable", ep, 0);
    sayf("del %d\n", watch(ep, EPOLL_CTL_DEL, p[1], 0));
    sayf("mod-oneshot %d\n", watch(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT));
    if (write(p[1], "y", 1) != 1) return 4;
    waited("oneshot", ep, 0);
    waited("oneshot-quiet", ep, 0);
    sayf("rearm %d\n", watch(ep, EPOLL_CTL_MOD, p[0], EPOLLIN));
    waited("rearmed", ep, 0);
    if (read(p[0], &c, 1) != 1) return 5;
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        eventfd_write(efd, 7);
        _exit(0);
    }
    waited("woken", ep, -1);
    report("writer", pid);
    if (eventfd_read(efd, &v) != 0) return 6;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    waited("timeout", ep, 30);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    sayf("waited-30ms %d\n", ms >= 30);
    close(p[1]);
    waited("widowed", ep, 0);
    int q[2];
    if (pipe(q) < 0) return 7;
    watch(ep, EPOLL_CTL_ADD, q[1], EPOLLOUT);
    close(q[0]);
    waited("no-reader", ep, 0);
    close(ep);
    return 0;
}

static jmp_buf jb;
static int depth_reached;

static void dive(int depth) {
    depth_reached = depth;
    if (depth == 5) longjmp(jb, depth * 10);
    dive(depth + 1);
    say("not reached\n");
}

/* setjmp/longjmp: to the same frame, out of nested calls, and the value 0 becoming 1. */
static int t_setjmp(void) {
    volatile int rounds = 0;
    int v = setjmp(jb);
    sayf("setjmp %d\n", v);
    if (rounds++ < 2) longjmp(jb, rounds);
    v = setjmp(jb);
    if (v == 0) dive(1);
    sayf("out-of-nested %d depth %d\n", v, depth_reached);
    v = setjmp(jb);
    if (v == 0) longjmp(jb, 0);
    sayf("longjmp-zero-gives %d\n", v);
    return 0;
}

/* getcwd/chdir, and the changed directory survives exec. */
static int t_cwd(void) {
    char buf[256];
    mkdir("/tmp/wlt-dir", 0755);
    if (chdir("/tmp/wlt-dir") != 0) {
        sayf("chdir-failed %d mkdir-errno %d\n", errno, mkdir("/tmp/wlt-dir", 0755) ? errno : 0);
        return 1;
    }
    sayf("cwd %s\n", getcwd(buf, sizeof buf) ? buf : "?");
    if (chdir("..") != 0) return 2;
    sayf("cwd %s\n", getcwd(buf, sizeof buf) ? buf : "?");
    if (chdir("wlt-dir") != 0) return 3;
    /* A relative open resolves against the new cwd. */
    int fd = open("rel.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    sayf("relative-open %d\n", fd >= 0);
    if (fd >= 0) close(fd);
    struct stat st;
    sayf("visible-absolute %d\n", stat("/tmp/wlt-dir/rel.txt", &st) == 0);
    sayf("enoent %d\n", chdir("/no/such/dir") < 0 && errno == ENOENT);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "cwd", (char *)NULL);
        _exit(127);
    }
    report("exec", pid);
    return 0;
}

/* ---- bench ---- */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* posix_spawn + waitpid of this program (`exit 0`): REPS rounds of 20, the median, least
 * and most round as `bench:` lines (µs per spawn+wait, one decimal). */
static int bench(int reps) {
    enum { PER_ROUND = 20, MAX_ROUNDS = 64 };
    uint64_t samples[MAX_ROUNDS];
    if (reps < 1 || reps > MAX_ROUNDS) reps = 5;
    char *args[] = {(char *)"wasix-libc-test", (char *)"exit", (char *)"0", NULL};
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < PER_ROUND; i++) {
            pid_t pid;
            int err = posix_spawn(&pid, self, NULL, NULL, args, environ);
            int status = 0;
            if (err) {
                sayf("bench: posix_spawn failed %d\n", err);
                return 1;
            }
            if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
                sayf("bench: spawned child failed (status %d)\n", status);
                return 1;
            }
        }
        samples[r] = (now_ns() - t0) / PER_ROUND;
    }
    for (int i = 1; i < reps; i++)
        for (int j = i; j > 0 && samples[j - 1] > samples[j]; j--) {
            uint64_t t = samples[j];
            samples[j] = samples[j - 1];
            samples[j - 1] = t;
        }
    const char *suffix[3] = {"", ".min", ".max"};
    uint64_t value[3] = {samples[reps / 2], samples[0], samples[reps - 1]};
    for (int k = 0; k < 3; k++)
        sayf("bench: posix_spawn.wait%s %llu.%llu us\n", suffix[k],
             (unsigned long long)(value[k] / 1000), (unsigned long long)(value[k] / 100 % 10));
    return 0;
}

struct scenario {
    const char *name;
    int (*run)(void);
};

static const struct scenario scenarios[] = {
    {"fork-exec", t_fork_exec}, {"vfork-exec", t_vfork_exec}, {"posix-spawn", t_posix_spawn},
    {"popen", t_popen},         {"system", t_system},         {"pipeline", t_pipeline},
    {"wnohang", t_wnohang},     {"kill", t_kill},             {"default-signals", t_default_signals},
    {"char-lists", t_char_lists}, {"eventfd", t_eventfd},    {"epoll", t_epoll},
    {"setjmp", t_setjmp},         {"cwd", t_cwd},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        say("usage: wasix-libc-test all|SCENARIO [SELF]\n");
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "args")) return helper_args(argc, argv);
    if (!strcmp(cmd, "exit")) return argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(cmd, "say")) {
        sayf("%s\n", argc > 2 ? argv[2] : "");
        return 0;
    }
    if (!strcmp(cmd, "cat-upper")) return helper_cat_upper();
    if (!strcmp(cmd, "count-stdin")) return helper_count_stdin();
    if (!strcmp(cmd, "cwd")) return helper_cwd();
    if (!strcmp(cmd, "spawn-inherit")) return helper_spawn_inherit();
    if (!strcmp(cmd, "env")) {
        for (char **e = environ; *e; e++)
            if (strncmp(*e, "PATH=", 5)) sayf("env [%s]\n", *e);
        return 0;
    }
    if (!strcmp(cmd, "fd5")) {
        sayf("fd5-open %d\n", fcntl(5, F_GETFD) >= 0);
        return 0;
    }
    if (argc > 2) self = argv[2];
    if (!strcmp(cmd, "bench")) return bench(argc > 3 ? atoi(argv[3]) : 5);
    /* No sigaction() here: the scenarios' children end with SIGCHLD to a program that
     * left it at its default disposition (ignored), and the waits are plain waitpids. */
    int all = !strcmp(cmd, "all");
    int failed = 0, found = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (!all && strcmp(cmd, scenarios[i].name)) continue;
        found = 1;
        sayf("== %s\n", scenarios[i].name);
        pid_t pid = fork();
        if (pid < 0) {
            sayf("fork-failed %d\n", errno);
            return 1;
        }
        if (pid == 0) _exit(scenarios[i].run());
        int status = 0;
        if (waitpid(pid, &status, 0) != pid) {
            sayf("waitpid-failed %d\n", errno);
            return 1;
        }
        int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        sayf("rc %d\n", rc);
        failed |= rc != 0;
    }
    if (!found) {
        sayf("unknown scenario %s\n", cmd);
        return 2;
    }
    return failed;
}
