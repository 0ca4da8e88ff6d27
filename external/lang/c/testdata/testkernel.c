/* testkernel.c: a kernel for test.sh, whose replies are known in advance.
 * The string parameter mode chooses what a chunk does; see sample. Built
 * with -DNO_REFERENCE it passes no reference function, with -DBAD_SPEC a
 * spec that is not valid. */
#include "../simrun_kernel.h"

#ifndef BAD_SPEC
static const char SPEC[] =
    "{\"name\": \"testkernel\", \"version\": 3, \"runtime\": \"test\",\n"
    "\t\"doc\": \"replies known in advance\\nfor test.sh\",\n"
    " \"params\": [{\"name\": \"mode\", \"type\": \"string\", \"default\": \"det\"},\n"
    "   {\"name\": \"k\", \"type\": \"int\", \"default\": 3},\n"
    "   {\"name\": \"x\", \"type\": \"float\", \"default\": 0.5},\n"
    "   {\"name\": \"flag\", \"type\": \"bool\", \"default\": false},\n"
    "   {\"name\": \"label\", \"type\": \"string\", \"default\": \"\"}],\n"
    " \"observables\": [{\"iid\": true, \"name\": \"a\"}, {\"name\": \"b\", \"iid\": true}],\n"
    " \"references\": [{\"name\": \"k\", \"of\": \"a\"}, {\"name\": \"nan\", \"of\": \"a\"}]}";
#else
static const char SPEC[] = "{\"name\": \"bad\", \"observables\": [{\"name\": \"a\"}],}";
#endif

static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                  size_t errsize)
{
    const char *mode = sk_string(p, "mode");
    int64_t i;
    if (strcmp(mode, "det") == 0) { /* a: 1, 2, ..., n; b: nothing */
        for (i = 1; i <= n; i++)
            sk_add(&obs[0], (double)i);
    } else if (strcmp(mode, "rng") == 0) { /* the generator's outputs, in the message */
        double u1, u2;
        size_t m = (size_t)snprintf(err, errsize, "point=%lld chunk=%lld seed=%llu next=",
                                    (long long)sk_point(p), (long long)sk_chunk(p),
                                    (unsigned long long)sk_seed(p));
        for (i = 0; i < 4; i++)
            m += (size_t)snprintf(err + m, errsize - m, "%llu,", (unsigned long long)sk_next(rng));
        u1 = sk_uniform(rng); /* in order: a call's arguments are evaluated in any */
        u2 = sk_uniform(rng);
        m += (size_t)snprintf(err + m, errsize - m, " uniform=%.17g,%.17g below6=", u1, u2);
        for (i = 0; i < 4; i++)
            m += (size_t)snprintf(err + m, errsize - m, "%llu,",
                                  (unsigned long long)sk_below(rng, 6));
        m += (size_t)snprintf(err + m, errsize - m, " below2^63+1=");
        for (i = 0; i < 4; i++)
            m += (size_t)snprintf(err + m, errsize - m, "%llu,",
                                  (unsigned long long)sk_below(rng, ((uint64_t)1 << 63) + 1));
        snprintf(err + m, errsize - m, " after=%llu", (unsigned long long)sk_next(rng));
        return 1;
    } else if (strcmp(mode, "welford") == 0) { /* as Go's Add, Binary and Merge */
        sk_acc u = {0, 0, 0, 0, 0};
        for (i = 0; i < n; i++)
            sk_add(&obs[0], sk_uniform(rng));
        for (i = 0; i < n; i++)
            sk_add(&u, 2 * sk_uniform(rng) - 1); /* exact: fused or not, the same */
        obs[1] = sk_binary(n, n / 3, -1, 2.5);
        sk_merge(&obs[1], u);
    } else if (strcmp(mode, "err") == 0) {
        snprintf(err, errsize, "line1\nback\\slash\r\nend\n");
        return 1;
    } else if (strcmp(mode, "fail") == 0) {
        return 1;
    } else if (strcmp(mode, "print") == 0) { /* none of this may reach the replies */
        printf("noise from printf\n");
        puts("noise from puts");
        fprintf(stdout, "noise from fprintf(stdout) without a newline");
        fflush(stdout);
        if (write(1, "noise from write(1)\n", 20) != 20)
            return 1;
        sk_add(&obs[0], 1);
    } else if (strcmp(mode, "stdin") == 0) { /* user code reading stdin gets end of file */
        sk_add(&obs[0], getchar() == EOF ? 1 : 0);
    } else if (strcmp(mode, "params") == 0) {
        snprintf(err, errsize, "k=%lld x=%.17g flag=%d label=[%s] has_k=%d has_z=%d",
                 (long long)sk_int(p, "k"), sk_float(p, "x"), sk_bool(p, "flag"),
                 sk_string(p, "label"), sk_has(p, "k"), sk_has(p, "z"));
        return 1;
    } else if (strcmp(mode, "missing") == 0) {
        sk_add(&obs[0], (double)sk_int(p, "nope"));
    } else if (strcmp(mode, "badint") == 0) {
        sk_add(&obs[0], (double)sk_int(p, "x"));
    } else if (strcmp(mode, "badbool") == 0) {
        sk_add(&obs[0], sk_bool(p, "label"));
    } else if (strcmp(mode, "nan") == 0) {
        sk_add(&obs[0], 1);
        sk_add(&obs[1], 1);
        sk_add(&obs[1], NAN);
    } else if (strcmp(mode, "len") == 0) { /* the length of a long value */
        sk_add(&obs[0], (double)strlen(sk_string(p, "label")));
    } else if (strcmp(mode, "zeros") == 0) { /* -0 is less than +0, as in Go */
        sk_add(&obs[0], 0.0);
        sk_add(&obs[0], -0.0);
        sk_add(&obs[1], -0.0);
    } else if (strcmp(mode, "floats") == 0) { /* formatting of awkward values */
        sk_add(&obs[0], 0.1);
        sk_add(&obs[0], -1e22);
        sk_add(&obs[1], 9007199254740993.0);  /* 2^53 + 1 rounds to 2^53: too big for the fast path */
        sk_add(&obs[1], -9007199254740991.0); /* 2^53 - 1: the largest exact integer it takes */
    } else {
        snprintf(err, errsize, "unknown mode %s", mode);
        return 1;
    }
    return 0;
}

#ifndef NO_REFERENCE
static int reference(const sk_params *p, const char *name, double *value, char *err,
                     size_t errsize)
{
    if (strcmp(name, "k") == 0)
        *value = (double)sk_int(p, "k");
    else if (strcmp(name, "nan") == 0)
        *value = NAN;
    else if (strcmp(name, "x") == 0)
        *value = sk_float(p, "x");
    else {
        snprintf(err, errsize, "no reference %s", name);
        return 1;
    }
    return 0;
}
#define REFERENCE reference
#else
#define REFERENCE NULL
#endif

int main(void)
{
    printf("printed before sk_main\n");
    return sk_main(SPEC, sample, REFERENCE);
}
