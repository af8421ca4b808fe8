/*
 * cmark: a CoreMark-style CPU benchmark in C, written for this project (not EEMBC's code),
 * built twice — against Debian's wasi-libc and against wasix-libc (atomics, shared memory,
 * lowered by the kernel at load) — so that `bench` can compare the two builds of the same
 * source in one run.
 *
 *     cmark [--reps N] [ITERS]
 *
 * Each iteration, on one of SEEDS inputs: a linked list (find with move-to-front, reverse,
 * merge sort by value and back by index), 16x16 integer matrices (multiply, add, multiply
 * by a transpose, a bit-extracting matrix-vector product), a number-token state machine
 * over a generated string (scanned, corrupted, rescanned), and a CRC-16 over every result.
 * A reference pass computes each input's CRC; the chained CRC must equal EXPECTED and every
 * timed iteration must reproduce its input's CRC, or the program exits 1.
 *
 * Output (what bench reads): `bench: cmark V iter/s`, `cmark.min`, `cmark.max` (median,
 * least and most of N repetitions, each calibrated to ~0.25 s after a warm-up; ITERS fixes
 * the work per repetition instead), and `bench: cmark.valid 1 bool`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEEDS 16
#define EXPECTED 0x8aa6u /* the same workload and CRC as the Rust `bench-cpu coremark` */
#define LIST_LEN 96
#define NIL 0xffffu
#define N 16
#define TOKENS 48
#define TEXT_CAP (TOKENS * 12)
#define MAX_REPS 64

static uint16_t crc8(uint16_t crc, uint8_t byte) {
    uint16_t c = crc ^ byte;
    for (int i = 0; i < 8; i++) c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa001u) : (uint16_t)(c >> 1);
    return c;
}
static uint16_t crc16(uint16_t crc, uint16_t v) { return crc8(crc8(crc, (uint8_t)v), (uint8_t)(v >> 8)); }
static uint16_t crc32(uint16_t crc, uint32_t v) { return crc16(crc16(crc, (uint16_t)v), (uint16_t)(v >> 16)); }

static uint32_t rng_next(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

struct node {
    uint16_t next;
    int16_t data;
    int16_t idx;
};

/* Buffers reused by every iteration (allocated once; reinitialised from the seed). */
struct work {
    struct node *nodes;
    int16_t a[N][N], b[N][N];
    int32_t c[N][N];
    uint8_t *text;
};

static void die(const char *what) {
    fprintf(stderr, "cmark: %s\n", what);
    exit(1);
}

/* ---- linked list ------------------------------------------------------------------- */

static uint16_t reverse(struct node *nodes, uint16_t head) {
    uint16_t out = NIL;
    while (head != NIL) {
        uint16_t next = nodes[head].next;
        nodes[head].next = out;
        out = head;
        head = next;
    }
    return out;
}

static int16_t by_data(const struct node *n) { return n->data; }
static int16_t by_idx(const struct node *n) { return n->idx; }

/* Bottom-up merge sort of the list at head by key (stable). */
static uint16_t sort(struct node *nodes, uint16_t head, int16_t (*key)(const struct node *)) {
    for (unsigned width = 1;; width *= 2) {
        uint16_t out_head = NIL, out_tail = NIL, p = head;
        unsigned merges = 0;
        while (p != NIL) {
            merges++;
            uint16_t q = p;
            unsigned psize = 0;
            while (psize < width && q != NIL) {
                psize++;
                q = nodes[q].next;
            }
            unsigned qsize = width;
            while (psize > 0 || (qsize > 0 && q != NIL)) {
                uint16_t e;
                if (psize == 0) {
                    e = q; q = nodes[q].next; qsize--;
                } else if (qsize == 0 || q == NIL || key(&nodes[p]) <= key(&nodes[q])) {
                    e = p; p = nodes[p].next; psize--;
                } else {
                    e = q; q = nodes[q].next; qsize--;
                }
                if (out_tail == NIL) out_head = e; else nodes[out_tail].next = e;
                out_tail = e;
            }
            p = q;
        }
        if (out_tail != NIL) nodes[out_tail].next = NIL;
        head = out_head;
        if (merges <= 1) return head;
    }
}

static uint16_t list(struct work *w, uint32_t *rng, uint16_t crc) {
    struct node *nodes = w->nodes;
    for (int i = 0; i < LIST_LEN; i++) {
        nodes[i].next = i + 1 < LIST_LEN ? (uint16_t)(i + 1) : NIL;
        nodes[i].data = (int16_t)((int)(rng_next(rng) & 0x3ff) - 0x200);
        nodes[i].idx = (int16_t)i;
    }
    uint16_t head = 0;
    for (int f = 0; f < 24; f++) {
        int16_t want = (int16_t)((int)(rng_next(rng) & 0x3ff) - 0x200);
        uint16_t prev = NIL, cur = head, steps = 0;
        while (cur != NIL && nodes[cur].data != want) {
            prev = cur;
            cur = nodes[cur].next;
            steps++;
        }
        if (cur == NIL) {
            crc = crc16(crc, steps ^ 0x8000u);
        } else {
            crc = crc16(crc, (uint16_t)nodes[cur].idx);
            if (prev != NIL) {
                nodes[prev].next = nodes[cur].next;
                nodes[cur].next = head;
                head = cur;
            }
        }
    }
    head = reverse(nodes, head);
    head = sort(nodes, head, by_data);
    int last = -32768, count = 0;
    for (uint16_t cur = head; cur != NIL; cur = nodes[cur].next) {
        if (nodes[cur].data < last) die("list not sorted");
        last = nodes[cur].data;
        crc = crc16(crc, (uint16_t)nodes[cur].data);
        count++;
    }
    if (count != LIST_LEN) die("list lost nodes");
    head = sort(nodes, head, by_idx);
    int i = 0;
    for (uint16_t cur = head; cur != NIL; cur = nodes[cur].next, i++) {
        if (nodes[cur].idx != i) die("list not restored");
        crc = crc16(crc, (uint16_t)(nodes[cur].data ^ i));
    }
    return crc;
}

/* ---- matrices ---------------------------------------------------------------------- */

static int32_t summarise(int32_t c[N][N]) {
    uint32_t sum = 0;
    int32_t big = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            sum += (uint32_t)c[i][j];
            if (c[i][j] > 4096) big++;
        }
    return (int32_t)(sum ^ ((uint32_t)big << 20));
}

static uint16_t matrix(struct work *w, uint32_t *rng, uint16_t crc) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            w->a[i][j] = (int16_t)((int)(rng_next(rng) & 0xff) - 0x80);
            w->b[i][j] = (int16_t)((int)(rng_next(rng) & 0x1ff) - 0x100);
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int k = 0; k < N; k++) s += (int32_t)w->a[i][k] * w->b[k][j];
            w->c[i][j] = s;
        }
    crc = crc32(crc, (uint32_t)summarise(w->c));
    int16_t v = (int16_t)((rng_next(rng) & 0x3f) + 1);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            w->a[i][j] = (int16_t)(uint16_t)((uint16_t)w->a[i][j] + (uint16_t)v);
            w->c[i][j] += (int32_t)w->a[i][j] * v;
        }
    crc = crc32(crc, (uint32_t)summarise(w->c));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = w->c[i][j];
            for (int k = 0; k < N; k++) s += (int32_t)w->a[i][k] * w->b[j][k];
            w->c[i][j] = s;
        }
    crc = crc32(crc, (uint32_t)summarise(w->c));
    for (int i = 0; i < N; i++) {
        uint32_t s = 0;
        for (int j = 0; j < N; j++) {
            int32_t x = w->c[i][j];
            s += (uint32_t)(((x >> 3) & 0xf) * w->b[i][j] + (x & 0x7));
        }
        crc = crc32(crc, s);
    }
    return crc;
}

/* ---- state machine ----------------------------------------------------------------- */

enum st { START, SIGN, INT, DOT, FRAC, EXP, EXPSIGN, EXPINT, BAD, FINALS };

static enum st step(enum st s, uint8_t c) {
    int digit = c >= '0' && c <= '9';
    int sign = c == '+' || c == '-';
    int e = c == 'e' || c == 'E';
    switch (s) {
    case START: return digit ? INT : sign ? SIGN : c == '.' ? DOT : BAD;
    case SIGN: return digit ? INT : c == '.' ? DOT : BAD;
    case INT: return digit ? INT : c == '.' ? FRAC : e ? EXP : BAD;
    case DOT: return digit ? FRAC : BAD;
    case FRAC: return digit ? FRAC : e ? EXP : BAD;
    case EXP: return sign ? EXPSIGN : digit ? EXPINT : BAD;
    case EXPSIGN:
    case EXPINT: return digit ? EXPINT : BAD;
    default: return BAD;
    }
}

static uint16_t scan(const uint8_t *text, size_t len, uint16_t crc) {
    uint16_t counts[FINALS] = {0};
    uint32_t transitions = 0;
    enum st s = START;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = text[i];
        if (c == ',') {
            counts[s]++;
            s = START;
            continue;
        }
        enum st t = step(s, c);
        if (t != s) transitions++;
        s = t;
    }
    counts[s]++;
    for (int i = 0; i < FINALS; i++) crc = crc16(crc, counts[i]);
    return crc32(crc, transitions);
}

static size_t digits(uint8_t *text, size_t len, uint32_t n, uint32_t r) {
    for (uint32_t i = 0; i < n; i++) text[len++] = (uint8_t)('0' + (r >> (i * 3)) % 10);
    return len;
}

static uint16_t state(struct work *w, uint32_t *rng, uint16_t crc) {
    uint8_t *text = w->text;
    size_t len = 0;
    for (int t = 0; t < TOKENS; t++) {
        if (t > 0) text[len++] = ',';
        uint32_t r = rng_next(rng);
        switch (r % 6) {
        case 0: len = digits(text, len, 1 + (r >> 4) % 5, r >> 7); break;
        case 1:
            text[len++] = '-';
            len = digits(text, len, 1 + (r >> 4) % 4, r >> 8);
            break;
        case 2:
            len = digits(text, len, 1 + (r >> 4) % 3, r >> 6);
            text[len++] = '.';
            len = digits(text, len, 1 + (r >> 8) % 3, r >> 10);
            break;
        case 3:
            len = digits(text, len, 1, r >> 5);
            text[len++] = '.';
            len = digits(text, len, 2, r >> 9);
            text[len++] = 'e';
            text[len++] = (r & 0x100) ? '-' : '+';
            len = digits(text, len, 1 + (r >> 12) % 2, r >> 14);
            break;
        case 4:
            text[len++] = '.';
            len = digits(text, len, 1 + (r >> 4) % 4, r >> 7);
            break;
        default:
            len = digits(text, len, 2, r >> 4);
            text[len++] = (uint8_t)"x$-"[(r >> 10) % 3];
            len = digits(text, len, 1, r >> 12);
        }
    }
    crc = scan(text, len, crc);
    uint8_t key = (uint8_t)(rng_next(rng) & 0x7f);
    for (size_t i = 0; i < len; i++)
        if (i % 7 == 3 && text[i] != ',') {
            uint8_t x = text[i] ^ key;
            text[i] = x == ',' ? '.' : x;
        }
    crc = scan(text, len, crc);
    for (size_t i = 0; i < len; i++) crc = crc8(crc, text[i]);
    return crc;
}

static uint16_t iteration(struct work *w, uint32_t seed) {
    uint32_t rng = 0x5eed0000u ^ (seed * 0x9e3779b9u);
    uint16_t crc = list(w, &rng, 0);
    crc = matrix(w, &rng, crc);
    return state(w, &rng, crc);
}

/* ---- timing ------------------------------------------------------------------------ */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t reference[SEEDS];
static volatile int bad;

static void run(struct work *w, uint64_t n) {
    for (uint64_t k = 0; k < n; k++) {
        uint32_t seed = (uint32_t)(k % SEEDS);
        if (iteration(w, seed) != reference[seed]) bad = 1;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int reps = 5;
    uint64_t fixed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
        else fixed = strtoull(argv[i], NULL, 10);
    }
    if (reps < 1 || reps > MAX_REPS) die("--reps must be 1..64");
    struct work *w = malloc(sizeof *w);
    if (!w) die("out of memory");
    w->nodes = calloc(LIST_LEN, sizeof *w->nodes);
    w->text = malloc(TEXT_CAP);
    if (!w->nodes || !w->text) die("out of memory");

    uint16_t chained = 0;
    for (uint32_t s = 0; s < SEEDS; s++) {
        reference[s] = iteration(w, s);
        chained = crc16(chained, reference[s]);
    }
    if (getenv("CMARK_PRINT_CRC")) fprintf(stderr, "cmark: chained crc 0x%04x\n", chained);
    if (chained != EXPECTED) {
        fprintf(stderr, "cmark: CRC 0x%04x, expected 0x%04x\n", chained, EXPECTED);
        return 1;
    }
    /* Warm-up and calibration: grow n until a pass takes >= 1/8 of the target. */
    const double target = 0.25;
    uint64_t n = fixed ? fixed : 1;
    while (!fixed) {
        double t = now_s();
        run(w, n);
        double e = now_s() - t;
        if (e >= target / 8 || n >= (1ull << 40)) {
            double scaled = (double)n * target / (e > 1e-9 ? e : 1e-9);
            n = scaled < 1 ? 1 : (uint64_t)(scaled + 0.5);
            break;
        }
        n *= 4;
    }
    double rates[MAX_REPS];
    for (int r = 0; r < reps; r++) {
        double t = now_s();
        run(w, n);
        double e = now_s() - t;
        rates[r] = (double)n / (e > 1e-9 ? e : 1e-9);
    }
    if (bad) die("an iteration's CRC differed from the reference pass");
    qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
    double median = reps % 2 ? rates[reps / 2] : (rates[reps / 2 - 1] + rates[reps / 2]) / 2;
    printf("bench: cmark %.1f iter/s\n", median);
    printf("bench: cmark.min %.1f iter/s\n", rates[0]);
    printf("bench: cmark.max %.1f iter/s\n", rates[reps - 1]);
    printf("bench: cmark.valid 1 bool\n");
    free(w->text);
    free(w->nodes);
    free(w);
    return 0;
}
