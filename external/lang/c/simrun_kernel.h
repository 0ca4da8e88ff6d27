/*
 * simrun_kernel.h: write a simrun kernel in C.                   version 1
 *
 * A simrun external kernel is a program that speaks simrun's line protocol
 * (docs/external-kernels.md in simrun) on standard input and output. This
 * header speaks protocol version 1 for you: you write a spec and a function
 * that simulates one chunk, and main calls sk_main. C99 or later, libc and
 * libm only, POSIX (Linux, macOS, the BSDs); it compiles as C++11 too.
 * Every function in it is static: #include it in your kernel's .c file;
 * there is nothing to define first and nothing to link but -lm.
 *
 * QUICK START
 *
 *     #include "simrun_kernel.h"
 *
 *     static const char SPEC[] =
 *         "{\"name\": \"dice\", \"version\": 1, \"doc\": \"one roll of a fair die per sample\","
 *         " \"params\": [{\"name\": \"sides\", \"type\": \"int\", \"default\": 6, \"min\": 2, \"doc\": \"faces\"}],"
 *         " \"observables\": [{\"name\": \"roll\", \"iid\": true, \"doc\": \"the face rolled\"}],"
 *         " \"references\": [{\"name\": \"exact\", \"of\": \"roll\", \"exact\": true, \"doc\": \"(sides+1)/2\"}]}";
 *
 *     static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs,
 *                       char *err, size_t errsize)
 *     {
 *         uint64_t sides = (uint64_t)sk_int(p, "sides");
 *         (void)err; (void)errsize;
 *         for (int64_t i = 0; i < n; i++)
 *             sk_add(&obs[0], (double)(sk_below(rng, sides) + 1));
 *         return 0;
 *     }
 *
 *     static int reference(const sk_params *p, const char *name, double *value,
 *                          char *err, size_t errsize)
 *     {
 *         (void)name; (void)err; (void)errsize;   // "exact" is the only reference
 *         *value = (double)(sk_int(p, "sides") + 1) / 2;
 *         return 0;
 *     }
 *
 *     int main(void) { return sk_main(SPEC, sample, reference); }
 *
 * Build it, name it in the experiment file, and try it by hand:
 *
 *     cc -O2 -ffp-contract=off -o dice dice.c -lm
 *     kernel = { command = ["./dice"], files = ["dice.c", "simrun_kernel.h"] }
 *     printf 'simrun-kernel 1\npoint 0 sides=6\nchunk 1 0 5 0 1 2 3 4\nflush\n' | ./dice
 *
 * THE SPEC
 *
 * One JSON object, as docs/external-kernels.md describes: name, version,
 * doc, params, observables, references. Leave out "protocol": the header
 * adds "protocol": 1, the version it speaks (a spec that gives another one
 * is refused). Without a "runtime" the header adds one naming the C
 * compiler and this header. The spec goes out as one line: each run of
 * blanks between JSON tokens (newlines too) becomes one space. sk_main
 * checks the JSON's shape and counts the observables (one accumulator
 * each); simrun checks the rest, and reports a mistake with the spec's
 * text.
 *
 * int sk_main(const char *spec, sk_sample_fn *sample, sk_reference_fn *reference)
 *     Runs the protocol until standard input ends, then returns 0: return
 *     its value from main. reference may be NULL when the spec declares no
 *     references. A spec that is not a JSON object with observables (or
 *     gives a "protocol" other than 1), or a simrun that speaks no version
 *     this header does, is answered with an `error` line, and the program
 *     exits with status 2; so does a request that breaks the protocol
 *     (after writing the replies it owes), with a message on standard
 *     error. Input that ends before simrun's hello returns 0 at once.
 *
 * SAMPLING
 *
 * typedef int sk_sample_fn(const sk_params *p, sk_rng *rng, int64_t n,
 *                          sk_acc *obs, char *err, size_t errsize);
 *     Simulates one chunk: n samples (n >= 1) at the point whose parameters
 *     are p, drawing from rng, which holds the chunk's state. obs holds one
 *     accumulator per observable, in the order of the spec's
 *     "observables", all empty: add each sample's values to them
 *     (sk_add). Return 0. To fail the chunk instead, write a message into
 *     err (errsize bytes, SK_ERROR_MAX; snprintf truncates safely) and
 *     return nonzero: simrun shows it with the point and the chunk's seed,
 *     and `simrun chunk FILE P C` reruns exactly that chunk. Newlines in the
 *     message are allowed (the header escapes them).
 *
 *     The reply must be a function of the parameters and rng's stream
 *     only: draw every random number from rng (or from a generator seeded
 *     with sk_seed(p)), and carry nothing from one chunk to the next but
 *     caches computed from the parameters alone (key them on sk_point(p)).
 *     That is what makes a run the same bytes on any number of workers,
 *     after retries and resume, and lets `simrun verify` check it.
 *     A sample may add any number of values to an observable, or none; an
 *     accumulator may also be filled with sk_binary or sk_merge. A value
 *     that is NaN or infinite fails the chunk with an error naming the
 *     observable.
 *
 * RANDOM NUMBERS: sk_rng, xoshiro256++, bit for bit as simrun's Go kernels
 *
 * uint64_t sk_next(sk_rng *r)               64 random bits (Go: Uint64)
 * double   sk_uniform(sk_rng *r)            uniform in [0, 1), 53 random bits:
 *                                           (next >> 11) * 2^-53 (Go: Float64)
 * uint64_t sk_below(sk_rng *r, uint64_t n)  uniform in [0, n), exactly
 *                                           unbiased (Lemire's multiply-shift
 *                                           with rejection; Go: Uint64n);
 *                                           n = 0 gives 0 (Go panics)
 * sk_rng   sk_rng_new(s0, s1, s2, s3)       the generator with that state (the
 *                                           all-zero state, a fixed point, is
 *                                           replaced by sk_rng_from_seed(0)'s)
 * sk_rng   sk_rng_from_seed(uint64_t seed)  state = four SplitMix64 outputs
 *
 * In a hot loop, copy the generator into a local and back
 * (sk_rng g = *rng; ... sk_next(&g) ...; *rng = g;): the compiler then
 * keeps its state in registers, where stores to obs might otherwise make
 * it reload it.
 *
 * ACCUMULATORS: sk_acc, the same updates as simrun's Go sim.Acc
 *
 * typedef struct { int64_t n; double mean, m2, min, max; } sk_acc;
 *     The count, mean, sum of squared deviations from the mean (the
 *     variance is m2 / (n - 1)), minimum and maximum. All zero is empty.
 * void   sk_add(sk_acc *a, double x)        add x (Welford's update)
 * void   sk_merge(sk_acc *a, sk_acc b)      add b's values (Chan et al.)
 * sk_acc sk_binary(int64_t n, int64_t k, double lo, double hi)
 *     n values of which k are hi and the rest lo, summarised exactly
 *     without a loop: for kernels that count events (0 <= k <= n).
 *
 * PARAMETERS: the point's values, which simrun has checked against the spec
 *
 * int64_t     sk_int(const sk_params *p, const char *name)
 * double      sk_float(const sk_params *p, const char *name)   (reads ints too)
 * int         sk_bool(const sk_params *p, const char *name)    (1 or 0)
 * const char *sk_string(const sk_params *p, const char *name)  (decoded; valid
 *                                           until the callback returns; a %00
 *                                           in the value ends the C string)
 * int         sk_has(const sk_params *p, const char *name)     (1 if present)
 * int64_t     sk_point(const sk_params *p)   the point's number P in the sweep
 *                                           (-1 for references outside a run)
 * int64_t     sk_chunk(const sk_params *p)   the chunk's index C in its point
 * uint64_t    sk_seed(const sk_params *p)    the chunk's SEED, in [0, 2^63), to
 *                                           seed another generator (sk_chunk
 *                                           and sk_seed are 0 in a reference)
 * A parameter that the point lacks (a name misspelt, or not in the spec),
 * or whose value is not of the type asked for, fails the request with an
 * error saying so; the getter returns 0 (or "") so the callback can finish.
 *
 * REFERENCES
 *
 * typedef int sk_reference_fn(const sk_params *p, const char *name,
 *                             double *value, char *err, size_t errsize);
 *     Sets *value to the reference `name` (one the spec declares) at the
 *     point p and returns 0; NAN where it has no value. An error, as for
 *     sample: message into err, return nonzero.
 *
 * STANDARD OUTPUT AND INPUT
 *
 * The protocol owns the program's standard input and output, so sk_main
 * moves them aside first: printf and puts go to standard error (line
 * buffered), which simrun copies to its log; reading stdin gets end of
 * file. Write nothing to stdout before calling sk_main. Replies are
 * buffered and written at each `flush` request.
 *
 * FLOATING POINT: the same bytes on every machine
 *
 * Compile with -ffp-contract=off (or in an ISO mode, -std=c11, which
 * implies it with GCC): otherwise a compiler may fuse a*b + c into one
 * multiply-add on machines that have one (arm64, x86 with -march=native),
 * which rounds differently, so a chunk would give other bytes on another
 * machine. The header's own arithmetic is protected either way; your
 * sample function's is not (with Clang, the header's #pragma STDC
 * FP_CONTRACT OFF covers the rest of your file too; GCC ignores that
 * pragma). Do not use -ffast-math. Keep LC_NUMERIC the
 * "C" locale (do not call setlocale(LC_ALL, "")): numbers are read with
 * strtod and written with snprintf, which follow it. libm functions (exp,
 * log, pow) may differ in their last bit between C libraries; simrun's Go
 * kernels use their own portable versions, so a C kernel that calls them
 * reproduces its results with the same libm, not necessarily elsewhere.
 *
 * LIMITS
 *
 * Lines of any length are read. Messages are cut at SK_ERROR_MAX - 1 bytes.
 * The header is not thread-safe: call sk_main once, from one thread (your
 * sample function may use threads of its own, if its result does not
 * depend on their timing).
 */
#ifndef SIMRUN_KERNEL_H
#define SIMRUN_KERNEL_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIMRUN_KERNEL_H_VERSION 1 /* this file's version, in the spec's runtime */
#define SK_PROTOCOL 1             /* the protocol version it speaks */
#define SK_ERROR_MAX 4096         /* bytes of an error message, with its NUL */

/* Products must round before they are added, as Go's do. Clang and other
 * C99 compilers obey this pragma; GCC ignores it (and warns under -Wall), so
 * for GCC the header's own products go through SK__ROUNDED below. */
#if !defined(__GNUC__) || defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* SK__ROUNDED(v) makes the compiler materialise the double v, so that no
 * later addition can be fused with the product that computed it, whatever
 * -ffp-contract says. The empty asm costs nothing where v lives in a
 * register of the class the constraint names. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__SSE2_MATH__))
#define SK__ROUNDED(v) __asm__("" : "+x"(v))
#elif defined(__GNUC__) && defined(__aarch64__)
#define SK__ROUNDED(v) __asm__("" : "+w"(v))
#elif defined(__GNUC__)
#define SK__ROUNDED(v) __asm__("" : "+m"(v))
#else
#define SK__ROUNDED(v) ((void)0)
#endif

#if defined(__GNUC__)
#define SK__UNUSED __attribute__((unused))
#else
#define SK__UNUSED
#endif
/* Static, so that the header needs no separate implementation file; marked
 * unused, so that a kernel that calls only some of it compiles cleanly. */
#define SK_API static SK__UNUSED
#define SK__INTERNAL static SK__UNUSED

/* ------------------------------------------------------------------ rng */

typedef struct sk_rng {
    uint64_t s[4];
} sk_rng;

static inline uint64_t sk__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t sk_next(sk_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = sk__rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sk__rotl(s[3], 45);
    return out;
}

static inline double sk_uniform(sk_rng *r)
{
    /* 2^-53 written as a quotient (exact) rather than 0x1p-53, so that the
     * header also compiles as C++ before C++17. The product is exact. */
    return (double)(sk_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* sk__mul128 sets *hi and *lo to the 128-bit product a*b. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 sk__u128; /* __extension__: no -pedantic warning */
static inline void sk__mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    sk__u128 p = (sk__u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}
#else
static inline void sk__mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    /* Schoolbook on 32-bit halves; mid cannot overflow: (2^32-1)^2 + 2(2^32-1) < 2^64. */
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
}
#endif

static inline uint64_t sk_below(sk_rng *r, uint64_t n)
{
    uint64_t hi, lo;
    sk__mul128(sk_next(r), n, &hi, &lo);
    if (lo < n) { /* rare: only then can the draw be in the biased range */
        uint64_t thresh = (0 - n) % n;
        while (lo < thresh)
            sk__mul128(sk_next(r), n, &hi, &lo);
    }
    return hi;
}

static inline uint64_t sk__splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

SK_API sk_rng sk_rng_from_seed(uint64_t seed)
{
    sk_rng r;
    int i;
    for (i = 0; i < 4; i++)
        r.s[i] = sk__splitmix(&seed);
    return r;
}

SK_API sk_rng sk_rng_new(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3)
{
    sk_rng r;
    if ((s0 | s1 | s2 | s3) == 0)
        return sk_rng_from_seed(0);
    r.s[0] = s0;
    r.s[1] = s1;
    r.s[2] = s2;
    r.s[3] = s3;
    return r;
}

/* --------------------------------------------------------- accumulators */

typedef struct sk_acc {
    int64_t n;
    double mean, m2, min, max;
} sk_acc;

/* Go's math.Min and math.Max on finite values, where they differ from a
 * plain comparison only on zeros: -0 is less than +0. (For NaN they differ
 * in detail, but a NaN fails the chunk anyway.) */
static inline double sk__min(double x, double y)
{
    if (x < y) return x;
    if (y < x) return y;
    if (x != x) return x;
    if (y != y) return y;
    return signbit(x) ? x : y;
}

static inline double sk__max(double x, double y)
{
    if (x > y) return x;
    if (y > x) return y;
    if (x != x) return x;
    if (y != y) return y;
    return signbit(x) ? y : x;
}

static inline void sk_add(sk_acc *a, double x)
{
    double d, t;
    SK__ROUNDED(x); /* x too: once inlined, the caller's product must not fuse into x - mean */
    a->n++;
    if (a->n == 1) {
        a->mean = x;
        a->m2 = 0;
        a->min = x;
        a->max = x;
        return;
    }
    d = x - a->mean;
    a->mean += d / (double)a->n;
    t = d * (x - a->mean);
    SK__ROUNDED(t);
    a->m2 += t;
    a->min = sk__min(a->min, x);
    a->max = sk__max(a->max, x);
}

SK_API void sk_merge(sk_acc *a, sk_acc b)
{
    int64_t n;
    double d, fa, fb, fn, t, dd, w;
    if (b.n == 0)
        return;
    if (a->n == 0) {
        *a = b;
        return;
    }
    n = a->n + b.n;
    d = b.mean - a->mean;
    fa = (double)a->n;
    fb = (double)b.n;
    fn = (double)n;
    t = d * (fb / fn);
    SK__ROUNDED(t);
    a->mean += t;
    dd = d * d;
    SK__ROUNDED(dd);
    w = fa * fb / fn;
    t = dd * w;
    SK__ROUNDED(t);
    a->m2 += b.m2 + t;
    a->min = sk__min(a->min, b.min);
    a->max = sk__max(a->max, b.max);
    a->n = n;
}

SK_API sk_acc sk_binary(int64_t n, int64_t k, double lo, double hi)
{
    sk_acc a = {0, 0, 0, 0, 0};
    double p, t, dl, dh, ml, mh;
    if (n == 0)
        return a;
    SK__ROUNDED(lo);
    SK__ROUNDED(hi);
    p = (double)k / (double)n;
    t = (hi - lo) * p;
    SK__ROUNDED(t);
    a.n = n;
    a.mean = lo + t;
    dl = lo - a.mean;
    dh = hi - a.mean;
    ml = (double)(n - k) * dl;
    SK__ROUNDED(ml);
    ml = ml * dl;
    SK__ROUNDED(ml);
    mh = (double)k * dh;
    SK__ROUNDED(mh);
    mh = mh * dh;
    SK__ROUNDED(mh);
    a.m2 = ml + mh;
    a.min = k == n ? hi : lo;
    a.max = k == 0 ? lo : hi;
    return a;
}

/* ----------------------------------------------------------- parameters */

/* The point's parameters and the request's context. Its fields are
 * private: read them through the functions below. */
typedef struct sk_params {
    int64_t point_, chunk_;
    uint64_t seed_;
    size_t n_, cap_;       /* parameters held, and room for */
    char **names_, **values_;
    char *buf_;            /* the point line's text, split in place */
    size_t bufcap_;
    char *err_;            /* the first getter error of this request, or "" */
} sk_params;

typedef int sk_sample_fn(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                         size_t errsize);
typedef int sk_reference_fn(const sk_params *p, const char *name, double *value, char *err,
                            size_t errsize);

/* sk__getter_error records a getter's failure; the first one is the
 * request's error. The names list helps with a misspelt name. */
SK__INTERNAL void sk__getter_error(const sk_params *p, const char *name, const char *value,
                             const char *want)
{
    size_t len, i;
    char *e = p->err_;
    if (e[0] != '\0')
        return;
    if (value == NULL) {
        len = (size_t)snprintf(e, SK_ERROR_MAX, "parameter \"%s\" is not in the point (it has:", name);
        for (i = 0; i < p->n_ && len < SK_ERROR_MAX; i++)
            len += (size_t)snprintf(e + len, SK_ERROR_MAX - len, " %s", p->names_[i]);
        if (p->n_ == 0 && len < SK_ERROR_MAX)
            len += (size_t)snprintf(e + len, SK_ERROR_MAX - len, " none");
        if (len < SK_ERROR_MAX)
            snprintf(e + len, SK_ERROR_MAX - len, "); is it declared in the spec's params?");
    } else {
        snprintf(e, SK_ERROR_MAX, "parameter \"%s\" = \"%s\" is not %s", name, value, want);
    }
}

SK__INTERNAL const char *sk__lookup(const sk_params *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->n_; i++)
        if (strcmp(p->names_[i], name) == 0)
            return p->values_[i];
    return NULL;
}

SK_API int sk_has(const sk_params *p, const char *name) { return sk__lookup(p, name) != NULL; }
SK_API int64_t sk_point(const sk_params *p) { return p->point_; }
SK_API int64_t sk_chunk(const sk_params *p) { return p->chunk_; }
SK_API uint64_t sk_seed(const sk_params *p) { return p->seed_; }

SK_API const char *sk_string(const sk_params *p, const char *name)
{
    const char *v = sk__lookup(p, name);
    if (v == NULL) {
        sk__getter_error(p, name, NULL, NULL);
        return "";
    }
    return v;
}

SK_API int64_t sk_int(const sk_params *p, const char *name)
{
    const char *v = sk__lookup(p, name), *s;
    uint64_t u = 0, lim;
    int neg;
    if (v == NULL) {
        sk__getter_error(p, name, NULL, NULL);
        return 0;
    }
    s = v;
    neg = *s == '-';
    s += neg;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (*s == '\0')
        goto bad;
    for (; *s != '\0'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (d > 9 || u > (lim - d) / 10)
            goto bad;
        u = u * 10 + d;
    }
    /* -(u-1)-1 keeps the negation within int64 for INT64_MIN. */
    return neg ? (u == 0 ? 0 : -(int64_t)(u - 1) - 1) : (int64_t)u;
bad:
    sk__getter_error(p, name, v, "an integer (read a float parameter with sk_float)");
    return 0;
}

SK_API double sk_float(const sk_params *p, const char *name)
{
    const char *v = sk__lookup(p, name);
    char *end;
    double x;
    if (v == NULL) {
        sk__getter_error(p, name, NULL, NULL);
        return 0;
    }
    x = strtod(v, &end);
    if (end == v || *end != '\0') {
        sk__getter_error(p, name, v, "a number");
        return 0;
    }
    return x;
}

SK_API int sk_bool(const sk_params *p, const char *name)
{
    const char *v = sk__lookup(p, name);
    if (v == NULL) {
        sk__getter_error(p, name, NULL, NULL);
        return 0;
    }
    if (strcmp(v, "true") == 0)
        return 1;
    if (strcmp(v, "false") != 0)
        sk__getter_error(p, name, v, "a bool (true or false)");
    return 0;
}

/* -------------------------------------------------------------- session */

/* Decimal parsing is most of the cost of a chunk request (seven numbers,
 * about 110 digits), so on little-endian GCC and Clang targets digits are
 * handled 8 at a time in a 64-bit word (SWAR); elsewhere one at a time.
 * The word loads may read up to 7 bytes past a line's NUL: the buffers
 * lines are parsed in have SK__SLACK bytes to spare after their end. */
#define SK__SLACK 8
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SK__SWAR 1
#else
#define SK__SWAR 0
#endif

typedef struct sk__session {
    const char *name;           /* the kernel's, for messages on stderr */
    int in, out;                /* the protocol's private descriptors */
    char *ib;                   /* input: bytes [ipos, ilen) not yet handled, */
    size_t icap, ilen, ipos;    /* of which [ipos, iscan) hold no newline */
    size_t iscan;
    int eof;
    char *ob;                   /* output: the replies since the last flush */
    size_t ocap, olen;
    unsigned long line;         /* the number of the line being handled */
    size_t nobs;                /* observables: one accumulator each */
    char **obsnames;
    sk_acc *acc;
    sk_params p;
    int have_point;
    char gerr[SK_ERROR_MAX];    /* a getter's error */
    char uerr[SK_ERROR_MAX];    /* the callback's message */
} sk__session;

SK__INTERNAL void sk__die(const char *name, const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s%s\n", name, what, detail);
    exit(2);
}

/* sk__grow returns ptr reallocated to at least need elements of elem
 * bytes, doubling *cap (from 64 elements) so that growth is amortised. */
SK__INTERNAL void *sk__grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 64;
    void *q;
    while (c < need)
        c *= 2;
    if (c == *cap)
        return ptr;
    q = realloc(ptr, c * elem);
    if (q == NULL)
        sk__die("simrun_kernel.h", "out of memory", "");
    *cap = c;
    return q;
}

/* sk__reserve makes room for n more bytes of output and returns where
 * they go. */
static inline char *sk__reserve(sk__session *s, size_t n)
{
    if (s->ocap - s->olen < n)
        s->ob = (char *)sk__grow(s->ob, &s->ocap, s->olen + n, 1);
    return s->ob + s->olen;
}

SK__INTERNAL void sk__write_all(sk__session *s, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->out, b, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            sk__die(s->name, "writing replies: ", strerror(errno));
        }
        b += w;
        n -= (size_t)w;
    }
}

SK__INTERNAL void sk__flush(sk__session *s)
{
    sk__write_all(s, s->ob, s->olen);
    s->olen = 0;
}

/* sk__malformed reports a request that breaks the protocol and exits 2,
 * after writing the replies owed: they are good, and simrun then resends
 * only the requests after them. */
SK__INTERNAL void sk__malformed(sk__session *s, const char *line, size_t len, const char *why)
{
    char q[256];
    size_t i, m = len < 200 ? len : 200;
    for (i = 0; i < m; i++) /* parsing put NULs where spaces were */
        q[i] = line[i] == '\0' ? ' ' : (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
    strcpy(q + m, len > m ? "..." : "");
    sk__flush(s);
    fprintf(stderr, "%s: request on line %lu breaks the protocol (%s): \"%s\"\n", s->name,
            s->line, why, q);
    exit(2);
}

/* sk__readline returns the next line, without its "\n" or a "\r" before
 * it, NUL-terminated in place, or NULL at the end of input. */
SK__INTERNAL char *sk__readline(sk__session *s, size_t *len)
{
    for (;;) {
        char *start = s->ib + s->ipos;
        char *nl = (char *)memchr(s->ib + s->iscan, '\n', s->ilen - s->iscan);
        ssize_t r;
        if (nl != NULL) {
            size_t n = (size_t)(nl - start);
            s->ipos = s->iscan = s->ipos + n + 1;
            if (n > 0 && start[n - 1] == '\r')
                n--;
            start[n] = '\0';
            *len = n;
            s->line++;
            return start;
        }
        s->iscan = s->ilen; /* a long line is scanned once, not once per read */
        if (s->eof) {
            if (s->ipos < s->ilen)
                fprintf(stderr, "%s: input ended inside a line; ignored its %lu bytes\n", s->name,
                        (unsigned long)(s->ilen - s->ipos));
            return NULL;
        }
        /* No whole line left: move the partial one to the front, make
         * room (a line may be of any length), and read more. */
        if (s->ipos > 0) {
            memmove(s->ib, start, s->ilen - s->ipos);
            s->ilen -= s->ipos;
            s->iscan -= s->ipos;
            s->ipos = 0;
        }
        if (s->icap - s->ilen < 4096 + SK__SLACK)
            s->ib = (char *)sk__grow(s->ib, &s->icap, s->ilen + 4096 + SK__SLACK, 1);
        r = read(s->in, s->ib + s->ilen, s->icap - s->ilen - SK__SLACK);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            sk__die(s->name, "reading requests: ", strerror(errno));
        }
        if (r == 0)
            s->eof = 1;
        s->ilen += (size_t)r;
    }
}

/* sk__ndigits returns the number of decimal digits at c. */
static inline size_t sk__ndigits(const char *c)
{
    size_t k = 0;
#if SK__SWAR
    for (;; k += 8) {
        uint64_t v, a, m;
        memcpy(&v, c + k, 8);
        /* A byte is a digit iff a = byte ^ '0' is at most 9; a + 0x76 sets
         * the high bit of any other. A carry out of a non-digit byte only
         * disturbs the bytes after it, past the first non-digit. */
        a = v ^ 0x3030303030303030u;
        m = ((a + 0x7676767676767676u) | a) & 0x8080808080808080u;
        if (m != 0)
            return k + (size_t)(__builtin_ctzll(m) >> 3);
    }
#else
    while ((unsigned)(c[k] - '0') <= 9)
        k++;
    return k;
#endif
}

#if SK__SWAR
/* sk__swar8 returns the value of the 8 digits at c: pairs of digits, then
 * of pairs, then of quads, combined by one multiply each. */
static inline uint64_t sk__swar8(const char *c)
{
    uint64_t v;
    memcpy(&v, c, 8);
    v = ((v & 0x0f0f0f0f0f0f0f0fu) * 2561) >> 8;
    v = ((v & 0x00ff00ff00ff00ffu) * 6553601) >> 16;
    return ((v & 0x0000ffff0000ffffu) * 42949672960001u) >> 32;
}
#endif

/* sk__u64 parses a decimal uint64 at *p, which must be followed by a space
 * or the end of the line, and moves *p past the space. */
static inline int sk__u64(char **p, uint64_t *out)
{
    char *c = *p;
    size_t len = sk__ndigits(c), k = 0;
    /* Up to 19 digits cannot overflow; a 20th is checked on its own. */
    size_t safe = len < 20 ? len : 19;
    uint64_t v = 0;
    if (len == 0 || len > 20)
        return 0;
#if SK__SWAR
    for (; safe - k >= 8; k += 8)
        v = v * 100000000u + sk__swar8(c + k);
#endif
    for (; k < safe; k++)
        v = v * 10 + (unsigned)(c[k] - '0');
    if (len == 20) {
        /* 1844674407370955161 = (2^64 - 1) / 10: past it, or at it with a
         * last digit over 5, the value does not fit. */
        unsigned d = (unsigned)(c[19] - '0');
        if (v > 1844674407370955161u || (v == 1844674407370955161u && d > 5))
            return 0;
        v = v * 10 + d;
    }
    c += len;
    if (*c == ' ')
        c++;
    else if (*c != '\0')
        return 0;
    *p = c;
    *out = v;
    return 1;
}

/* sk__token returns the field at *p, NUL-terminated in place, and moves *p
 * past it and the space after it; NULL if the field is empty. */
static inline char *sk__token(char **p, size_t *len)
{
    char *start = *p, *c = start;
    while (*c != ' ' && *c != '\0')
        c++;
    *len = (size_t)(c - start);
    if (c == start)
        return NULL;
    if (*c == ' ')
        *c++ = '\0';
    *p = c;
    return start;
}

static inline char *sk__put_u64(char *d, uint64_t v)
{
    char t[20];
    int i = 0;
    do {
        t[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (i > 0)
        *d++ = t[--i];
    return d;
}

/* sk__put_double writes x so that strtod and Go's ParseFloat read back the
 * same double, in at most SK__NUM bytes. Integers below 2^53 in magnitude,
 * common in counts and extrema, skip the slow %.17g. */
#define SK__NUM 32
static inline char *sk__put_double(char *d, double x)
{
    if (x > -9007199254740992.0 && x < 9007199254740992.0 && x == (double)(int64_t)x) {
        int64_t i = (int64_t)x;
        if (i < 0 || (i == 0 && signbit(x)))
            *d++ = '-';
        return sk__put_u64(d, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i);
    }
    if (x != x) {
        memcpy(d, "nan", 3); /* not glibc's "-nan", which Go does not read */
        return d + 3;
    }
    if (isinf(x)) {
        if (x < 0)
            *d++ = '-';
        memcpy(d, "inf", 3);
        return d + 3;
    }
    return d + snprintf(d, SK__NUM, "%.17g", x);
}

/* sk__put_error appends "error ID MESSAGE\n" (or "error MESSAGE\n" when id
 * is NULL, in the handshake), with a newline in MESSAGE written \n and a
 * backslash \\, as the protocol asks. */
SK__INTERNAL void sk__put_error(sk__session *s, const char *id, size_t idlen, const char *msg)
{
    size_t n = strlen(msg), i;
    char *d;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' '))
        n--;
    d = sk__reserve(s, idlen + 2 * n + 8);
    memcpy(d, "error ", 6);
    d += 6;
    if (id != NULL) {
        memcpy(d, id, idlen);
        d += idlen;
        *d++ = ' ';
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        if (c == '\\' || c == '\n') {
            *d++ = '\\';
            *d++ = c == '\n' ? 'n' : '\\';
        } else if (c == '\r' && i + 1 < n && msg[i + 1] == '\n') {
            /* "\r\n" is one newline */
        } else if (c < 0x20 && c != '\t') {
            *d++ = ' '; /* a raw control character would break the line */
        } else {
            *d++ = (char)c;
        }
    }
    *d++ = '\n';
    s->olen = (size_t)(d - s->ob);
}

/* sk__callback_error appends the error of a failed callback: a getter's
 * first, since the callback's own message may be a consequence of it. */
SK__INTERNAL void sk__callback_error(sk__session *s, const char *id, size_t idlen, const char *what)
{
    char msg[80];
    if (s->gerr[0] != '\0') {
        sk__put_error(s, id, idlen, s->gerr);
    } else if (s->uerr[0] != '\0') {
        sk__put_error(s, id, idlen, s->uerr);
    } else {
        snprintf(msg, sizeof msg, "the %s function failed without a message", what);
        sk__put_error(s, id, idlen, msg);
    }
}

SK__INTERNAL void sk__point(sk__session *s, char *line, size_t len)
{
    sk_params *p = &s->p;
    char *c, *tok;
    size_t tl;
    uint64_t pt;
    int neg;
    /* A copy: the input buffer is reused, the point's values are kept. */
    p->buf_ = (char *)sk__grow(p->buf_, &p->bufcap_, len + 1 + SK__SLACK, 1);
    memcpy(p->buf_, line, len + 1);
    c = p->buf_ + 6;
    /* P may be negative: simrun asks for references at point -1, outside
     * any sweep (simrun check). */
    neg = *c == '-';
    c += neg;
    if (!sk__u64(&c, &pt) || pt > (uint64_t)INT64_MAX + neg)
        sk__malformed(s, line, len, "P is not an integer");
    p->point_ = neg ? (pt == 0 ? 0 : -(int64_t)(pt - 1) - 1) : (int64_t)pt;
    p->n_ = 0;
    while ((tok = sk__token(&c, &tl)) != NULL) {
        char *eq = (char *)memchr(tok, '=', tl), *r, *w;
        if (eq == NULL || eq == tok)
            sk__malformed(s, line, len, "a field is not NAME=VALUE");
        *eq = '\0';
        /* Percent-decode the value in place: it only shrinks. */
        for (r = w = eq + 1; *r != '\0'; r++) {
            int k, v = 0;
            if (*r != '%') {
                *w++ = *r;
                continue;
            }
            for (k = 1; k <= 2; k++) {
                char h = r[k];
                int x = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (x < 0)
                    sk__malformed(s, line, len, "a % not followed by two hex digits");
                v = v * 16 + x;
            }
            *w++ = (char)v;
            r += 2;
        }
        *w = '\0';
        if (p->n_ == p->cap_) {
            size_t c2 = p->cap_;
            p->names_ = (char **)sk__grow(p->names_, &c2, p->n_ + 1, sizeof(char *));
            p->values_ = (char **)sk__grow(p->values_, &p->cap_, p->n_ + 1, sizeof(char *));
        }
        p->names_[p->n_] = tok;
        p->values_[p->n_] = eq + 1;
        p->n_++;
    }
    if (*c != '\0')
        sk__malformed(s, line, len, "two spaces in a row");
    s->have_point = 1;
}

SK__INTERNAL void sk__chunk(sk__session *s, sk_sample_fn *sample, char *line, size_t len)
{
    char *c = line + 6, *id, *d;
    size_t idlen, i;
    uint64_t ci, n, seed, st[4];
    sk_rng r;
    int rc;
    if ((id = sk__token(&c, &idlen)) == NULL)
        sk__malformed(s, line, len, "no ID");
    if (!sk__u64(&c, &ci) || !sk__u64(&c, &n) || !sk__u64(&c, &seed) || !sk__u64(&c, &st[0]) ||
        !sk__u64(&c, &st[1]) || !sk__u64(&c, &st[2]) || !sk__u64(&c, &st[3]) || *c != '\0')
        sk__malformed(s, line, len, "not chunk ID C N SEED S0 S1 S2 S3 in unsigned decimal");
    if (n == 0 || n > INT64_MAX || ci > INT64_MAX)
        sk__malformed(s, line, len, "N or C out of range");
    if (!s->have_point)
        sk__malformed(s, line, len, "a chunk before any point");
    s->p.chunk_ = (int64_t)ci;
    s->p.seed_ = seed;
    s->gerr[0] = '\0';
    s->uerr[0] = '\0';
    memset(s->acc, 0, s->nobs * sizeof *s->acc);
    r = sk_rng_new(st[0], st[1], st[2], st[3]);
    rc = sample(&s->p, &r, (int64_t)n, s->acc, s->uerr, SK_ERROR_MAX);
    if (rc != 0 || s->gerr[0] != '\0') {
        sk__callback_error(s, id, idlen, "sample");
        return;
    }
    for (i = 0; i < s->nobs; i++) {
        const sk_acc *a = &s->acc[i];
        const char *what = NULL;
        if (a->n < 0)
            what = "a negative count";
        else if (a->n > 0 && !(isfinite(a->mean) && isfinite(a->min) && isfinite(a->max)))
            what = "a value that is NaN or infinite";
        else if (a->n > 0 && !(a->m2 >= 0 && isfinite(a->m2)))
            what = "an M2 that is negative, NaN or infinite";
        if (what != NULL) {
            snprintf(s->uerr, SK_ERROR_MAX, "observable \"%s\" has %s", s->obsnames[i], what);
            sk__put_error(s, id, idlen, s->uerr);
            return;
        }
    }
    d = sk__reserve(s, idlen + 8 + s->nobs * (22 + 4 * (1 + SK__NUM)));
    memcpy(d, "ok ", 3);
    d += 3;
    memcpy(d, id, idlen);
    d += idlen;
    for (i = 0; i < s->nobs; i++) {
        const sk_acc *a = &s->acc[i];
        if (a->n == 0) {
            memcpy(d, " 0 0 0 0 0", 10);
            d += 10;
            continue;
        }
        *d++ = ' ';
        d = sk__put_u64(d, (uint64_t)a->n);
        *d++ = ' ';
        d = sk__put_double(d, a->mean);
        *d++ = ' ';
        d = sk__put_double(d, a->m2);
        *d++ = ' ';
        d = sk__put_double(d, a->min);
        *d++ = ' ';
        d = sk__put_double(d, a->max);
    }
    *d++ = '\n';
    s->olen = (size_t)(d - s->ob);
}

SK__INTERNAL void sk__reference(sk__session *s, sk_reference_fn *reference, char *line, size_t len)
{
    char *c = line + 10, *id, *name, *d;
    size_t idlen, namelen;
    double v = 0;
    int rc;
    if ((id = sk__token(&c, &idlen)) == NULL || (name = sk__token(&c, &namelen)) == NULL ||
        *c != '\0')
        sk__malformed(s, line, len, "not reference ID NAME");
    if (!s->have_point)
        sk__malformed(s, line, len, "a reference before any point");
    if (reference == NULL) {
        sk__put_error(s, id, idlen, "the kernel has no reference function (sk_main was given NULL)");
        return;
    }
    s->p.chunk_ = 0;
    s->p.seed_ = 0;
    s->gerr[0] = '\0';
    s->uerr[0] = '\0';
    rc = reference(&s->p, name, &v, s->uerr, SK_ERROR_MAX);
    if (rc != 0 || s->gerr[0] != '\0') {
        sk__callback_error(s, id, idlen, "reference");
        return;
    }
    d = sk__reserve(s, idlen + 8 + SK__NUM);
    memcpy(d, "ok ", 3);
    d += 3;
    memcpy(d, id, idlen);
    d += idlen;
    *d++ = ' ';
    d = sk__put_double(d, v);
    *d++ = '\n';
    s->olen = (size_t)(d - s->ob);
}

/* ----------------------------------------------------------------- spec */

/* A scanner of the spec's JSON, enough to check its shape, count the
 * observables and find a few top-level fields; simrun validates the rest.
 * Each function returns 0 on a mistake, with err set. */
typedef struct sk__json {
    const char *s;
    size_t i;
    const char *err;
    int depth;
} sk__json;

SK__INTERNAL void sk__json_ws(sk__json *j)
{
    while (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r')
        j->i++;
}

/* sk__json_string scans the string at j->i and sets *start and *len to
 * its raw contents. */
SK__INTERNAL int sk__json_string(sk__json *j, size_t *start, size_t *len)
{
    if (j->s[j->i] != '"') {
        j->err = "a string expected";
        return 0;
    }
    *start = ++j->i;
    for (;;) {
        unsigned char c = (unsigned char)j->s[j->i];
        if (c == '"')
            break;
        if (c == '\0') {
            j->err = "a string not closed";
            return 0;
        }
        if (c < 0x20) {
            j->err = "a raw control character (a newline?) inside a string";
            return 0;
        }
        j->i += c == '\\' && j->s[j->i + 1] != '\0' ? 2 : 1;
    }
    *len = j->i - *start;
    j->i++;
    return 1;
}

SK__INTERNAL int sk__json_is(const sk__json *j, size_t start, size_t len, const char *key)
{
    return len == strlen(key) && memcmp(j->s + start, key, len) == 0;
}

/* sk__json_value scans any value at j->i (after blanks). */
SK__INTERNAL int sk__json_value(sk__json *j)
{
    char open, close;
    size_t st, ln;
    sk__json_ws(j);
    open = j->s[j->i];
    if (open == '"')
        return sk__json_string(j, &st, &ln);
    if (open != '{' && open != '[') {
        /* A number, true, false or null: a run of their characters. */
        st = j->i;
        while ((j->s[j->i] >= '0' && j->s[j->i] <= '9') ||
               (j->s[j->i] >= 'a' && j->s[j->i] <= 'z') || j->s[j->i] == '-' ||
               j->s[j->i] == '+' || j->s[j->i] == '.' || j->s[j->i] == 'E')
            j->i++;
        if (j->i == st)
            j->err = "a value expected";
        return j->i > st;
    }
    close = open == '{' ? '}' : ']';
    if (++j->depth > 64) {
        j->err = "nested too deeply";
        return 0;
    }
    j->i++;
    sk__json_ws(j);
    if (j->s[j->i] != close) {
        for (;;) {
            if (open == '{') {
                sk__json_ws(j);
                if (!sk__json_string(j, &st, &ln))
                    return 0;
                sk__json_ws(j);
                if (j->s[j->i] != ':') {
                    j->err = "a ':' expected after a key";
                    return 0;
                }
                j->i++;
            }
            if (!sk__json_value(j))
                return 0;
            sk__json_ws(j);
            if (j->s[j->i] == close)
                break;
            if (j->s[j->i] != ',') {
                j->err = open == '{' ? "a ',' or '}' expected" : "a ',' or ']' expected";
                return 0;
            }
            j->i++;
        }
    }
    j->i++;
    j->depth--;
    return 1;
}

/* sk__json_name returns the "name" of the object at j.i (scanning a copy
 * of the scanner), malloc'd, or "?" when it has none. */
SK__INTERNAL char *sk__json_name(sk__json j)
{
    size_t st, ln;
    char *name = NULL;
    sk__json_ws(&j);
    if (j.s[j.i] == '{') {
        j.i++;
        for (;;) {
            int isname;
            sk__json_ws(&j);
            if (!sk__json_string(&j, &st, &ln))
                break;
            isname = sk__json_is(&j, st, ln, "name");
            sk__json_ws(&j);
            if (j.s[j.i] != ':')
                break;
            j.i++;
            sk__json_ws(&j);
            if (isname && j.s[j.i] == '"') {
                if (!sk__json_string(&j, &st, &ln))
                    break;
                name = (char *)malloc(ln + 1);
                if (name == NULL)
                    break;
                memcpy(name, j.s + st, ln);
                name[ln] = '\0';
                return name;
            }
            if (!sk__json_value(&j))
                break;
            sk__json_ws(&j);
            if (j.s[j.i] != ',')
                break;
            j.i++;
        }
    }
    name = (char *)malloc(2);
    if (name == NULL)
        sk__die("simrun_kernel.h", "out of memory", "");
    strcpy(name, "?");
    return name;
}

/* sk__json_observables scans the "observables" array, recording each
 * element's name. */
SK__INTERNAL int sk__json_observables(sk__json *j, char ***names, size_t *count)
{
    size_t cap = 0;
    sk__json_ws(j);
    if (j->s[j->i] != '[') {
        j->err = "\"observables\" is not an array";
        return 0;
    }
    j->i++;
    sk__json_ws(j);
    if (j->s[j->i] == ']') {
        j->i++;
        return 1;
    }
    for (;;) {
        *names = (char **)sk__grow(*names, &cap, *count + 1, sizeof(char *));
        (*names)[*count] = sk__json_name(*j);
        if (!sk__json_value(j))
            return 0;
        ++*count;
        sk__json_ws(j);
        if (j->s[j->i] == ']') {
            j->i++;
            return 1;
        }
        if (j->s[j->i] != ',') {
            j->err = "a ',' or ']' expected";
            return 0;
        }
        j->i++;
    }
}

/* sk__spec checks the spec, finds its observables and name, and returns
 * the line to send: the object with "protocol" and "runtime" added when it
 * lacks them, on one line. On a mistake it returns NULL with *why set. */
SK__INTERNAL char *sk__spec(const char *spec, sk__session *s, const char **why, char *namebuf,
                            size_t namecap)
{
    static char msg[200];
    sk__json j;
    size_t st, ln, body, end, n, k;
    int has_protocol = 0, has_runtime = 0, in_string = 0;
    char *out, runtime[400], esc[2 * sizeof runtime];
    j.s = spec;
    j.i = 0;
    j.err = NULL;
    j.depth = 1;
    s->nobs = 0;
    s->obsnames = NULL;
    sk__json_ws(&j);
    if (spec[j.i] != '{') {
        *why = "the spec is not a JSON object";
        return NULL;
    }
    j.i++;
    sk__json_ws(&j);
    body = j.i;
    while (spec[j.i] != '}') {
        sk__json_ws(&j);
        if (!sk__json_string(&j, &st, &ln))
            break;
        sk__json_ws(&j);
        if (spec[j.i] != ':') {
            j.err = "a ':' expected after a key";
            break;
        }
        j.i++;
        sk__json_ws(&j);
        if (sk__json_is(&j, st, ln, "observables")) {
            if (!sk__json_observables(&j, &s->obsnames, &s->nobs))
                break;
        } else if (sk__json_is(&j, st, ln, "protocol")) {
            size_t v = j.i;
            has_protocol = 1;
            if (!sk__json_value(&j))
                break;
            if (j.i - v != 1 || spec[v] != '0' + SK_PROTOCOL) {
                j.i = v;
                j.err = "\"protocol\" is not 1, the version this simrun_kernel.h speaks "
                        "(leave it out: the header adds it)";
                break;
            }
        } else if (sk__json_is(&j, st, ln, "name") && spec[j.i] == '"') {
            if (!sk__json_string(&j, &st, &ln))
                break;
            n = ln < namecap - 1 ? ln : namecap - 1;
            memcpy(namebuf, spec + st, n);
            namebuf[n] = '\0';
        } else {
            has_runtime |= sk__json_is(&j, st, ln, "runtime");
            if (!sk__json_value(&j))
                break;
        }
        sk__json_ws(&j);
        if (spec[j.i] == ',') {
            j.i++;
            sk__json_ws(&j);
            if (spec[j.i] == '}')
                j.err = "a ',' before the '}'";
        } else if (spec[j.i] != '}') {
            j.err = "a ',' or '}' expected";
        }
        if (j.err != NULL)
            break;
    }
    if (j.err != NULL) {
        snprintf(msg, sizeof msg, "the spec's JSON, at byte %lu: %s", (unsigned long)j.i, j.err);
        *why = msg;
        return NULL;
    }
    end = j.i; /* the closing brace */
    j.i++;
    sk__json_ws(&j);
    if (spec[j.i] != '\0') {
        *why = "the spec has text after its closing '}'";
        return NULL;
    }
    if (s->nobs == 0) {
        *why = "the spec declares no observables (\"observables\": [{\"name\": ...}, ...])";
        return NULL;
    }

    snprintf(runtime, sizeof runtime, "%s (C %ld)%s; simrun_kernel.h %d",
#if defined(__clang__)
             "clang " __clang_version__,
#elif defined(__GNUC__)
             "gcc " __VERSION__,
#else
             "an unknown compiler",
#endif
#ifdef __STDC_VERSION__
             (long)__STDC_VERSION__,
#else
             0L,
#endif
#ifdef __FAST_MATH__
             ", -ffast-math",
#else
             "",
#endif
             SIMRUN_KERNEL_H_VERSION);
    for (k = n = 0; runtime[k] != '\0'; k++) { /* as a JSON string */
        if (runtime[k] == '"' || runtime[k] == '\\')
            esc[n++] = '\\';
        esc[n++] = (unsigned char)runtime[k] < 0x20 ? ' ' : runtime[k];
    }
    esc[n] = '\0';

    out = (char *)malloc(strlen(spec) + sizeof esc + 64);
    if (out == NULL)
        sk__die("simrun_kernel.h", "out of memory", "");
    n = 0;
    out[n++] = '{';
    if (!has_protocol)
        n += (size_t)sprintf(out + n, "\"protocol\": %d, ", SK_PROTOCOL);
    if (!has_runtime)
        n += (size_t)sprintf(out + n, "\"runtime\": \"%s\", ", esc);
    /* The members as written, with each run of blanks between tokens made
     * one space: the spec goes out on one line (and there are no newlines
     * inside strings: the scanner refused them). */
    for (k = body; k <= end; k++) {
        char c = spec[k];
        if (in_string && c == '\\') {
            out[n++] = c;
            c = spec[++k];
        } else if (c == '"') {
            in_string = !in_string;
        } else if (!in_string && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            if (out[n - 1] == ' ')
                continue;
            c = ' ';
        }
        out[n++] = c;
    }
    out[n++] = '\n';
    out[n] = '\0';
    return out;
}

/* sk__setup_fds takes stdin and stdout for the protocol, on private
 * descriptors, and puts /dev/null and stderr in their place, so that
 * printf, a library's output or a child process cannot corrupt the
 * replies, nor a stray read swallow requests. */
SK__INTERNAL void sk__setup_fds(sk__session *s)
{
    int nul;
    s->in = dup(0);
    s->out = dup(1);
    if (s->in < 0 || s->out < 0)
        sk__die(s->name, "cannot take over stdin and stdout: ", strerror(errno));
    /* Not inherited by programs the kernel starts. */
    fcntl(s->in, F_SETFD, FD_CLOEXEC);
    fcntl(s->out, F_SETFD, FD_CLOEXEC);
    nul = open("/dev/null", O_RDONLY);
    if (nul >= 0 && nul != 0) {
        dup2(nul, 0);
        close(nul);
    }
    if (dup2(2, 1) < 0) { /* no stderr: then printf goes nowhere */
        nul = open("/dev/null", O_WRONLY);
        if (nul >= 0 && nul != 1) {
            dup2(nul, 1);
            close(nul);
        }
    }
    /* Text printed before sk_main and still buffered goes to stderr too.
     * Line buffering gets each printed line into simrun's log as it is
     * written, and none lost in a crash. */
    fflush(stdout);
    setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
}

SK_API int sk_main(const char *spec, sk_sample_fn *sample, sk_reference_fn *reference)
{
    static sk__session ss; /* static: it holds two SK_ERROR_MAX buffers */
    static char name[128] = "simrun kernel";
    sk__session *s = &ss;
    const char *why = "sk_main was given no sample function";
    char *specline = NULL, *line, *c, *tok, msg[400];
    size_t len, tl, n;
    int speaks = 0;

    s->name = name;
    s->ib = (char *)sk__grow(NULL, &s->icap, 1 << 16, 1);
    s->ob = (char *)sk__grow(NULL, &s->ocap, 1 << 16, 1);
    sk__setup_fds(s);
    s->p.err_ = s->gerr;
    if (isatty(s->in))
        fprintf(stderr, "This is a simrun kernel: it answers simrun's protocol (see simrun's "
                        "docs/external-kernels.md) on stdin and stdout. Name it in an "
                        "experiment file's kernel = { command = [...] }.\n");

    if (spec == NULL)
        why = "sk_main was given no spec";
    else if (sample != NULL)
        specline = sk__spec(spec, s, &why, name, sizeof name);
    if (specline == NULL) {
        /* Answered at once: simrun reads it as the answer to its hello. */
        fprintf(stderr, "%s: %s\n", s->name, why);
        sk__put_error(s, NULL, 0, why);
        sk__flush(s);
        exit(2);
    }
    s->acc = (sk_acc *)calloc(s->nobs, sizeof *s->acc);
    if (s->acc == NULL)
        sk__die(s->name, "out of memory", "");

    /* The handshake: "simrun-kernel V1 V2 ...", answered with the spec if
     * one of the versions is ours, else with an error. */
    line = sk__readline(s, &len);
    if (line == NULL)
        return 0;
    c = line;
    tok = sk__token(&c, &tl);
    if (tok == NULL || strcmp(tok, "simrun-kernel") != 0) {
        snprintf(msg, sizeof msg, "the first line is not simrun's hello (simrun-kernel 1)");
    } else {
        n = (size_t)snprintf(msg, sizeof msg, "simrun speaks protocol versions");
        while ((tok = sk__token(&c, &tl)) != NULL) {
            speaks |= tl == 1 && tok[0] == '0' + SK_PROTOCOL;
            if (n < sizeof msg)
                n += (size_t)snprintf(msg + n, sizeof msg - n, " %s", tok);
        }
        if (n < sizeof msg)
            snprintf(msg + n, sizeof msg - n,
                     ", and this kernel's simrun_kernel.h only %d: update the kernel's copy "
                     "(simrun new c writes the current one)", SK_PROTOCOL);
    }
    if (!speaks) {
        fprintf(stderr, "%s: %s\n", s->name, msg);
        sk__put_error(s, NULL, 0, msg);
        sk__flush(s);
        exit(2);
    }
    sk__write_all(s, specline, strlen(specline));
    free(specline);

    while ((line = sk__readline(s, &len)) != NULL) {
        /* Chunks first: they are almost every request. */
        if (len > 6 && memcmp(line, "chunk ", 6) == 0)
            sk__chunk(s, sample, line, len);
        else if (len == 5 && memcmp(line, "flush", 5) == 0)
            sk__flush(s);
        else if (len > 6 && memcmp(line, "point ", 6) == 0)
            sk__point(s, line, len);
        else if (len > 10 && memcmp(line, "reference ", 10) == 0)
            sk__reference(s, reference, line, len);
        else
            sk__malformed(s, line, len, "not a request of protocol 1");
    }
    /* Input ended: answer what came after the last flush too (simrun may
     * close our input without one, on Ctrl-C), then stop. */
    sk__flush(s);
    return 0;
}

#endif /* SIMRUN_KERNEL_H */
