/* pi.c: estimate pi by Monte Carlo, as a simrun kernel written in C.
 *
 * A sample draws `points` points uniformly in the unit square and records
 * pi = 4 x (the fraction of them inside the quarter disc x^2 + y^2 < 1),
 * whose expectation is pi and variance pi (4 - pi) / points.
 *
 * Build: cc -O2 -ffp-contract=off -o pi pi.c -lm   (or make)
 * Run:   simrun run pi.toml
 */
#include "simrun_kernel.h"

/* The spec: what simrun shows in `simrun kernels pi.toml` and checks the
 * experiment file against. Bump "version" whenever a change would give
 * other samples from the same chunk (another order of draws, say). */
static const char SPEC[] =
    "{\"name\": \"pi-c\", \"version\": 1,"
    " \"doc\": \"Monte Carlo estimate of pi: 4 x the fraction of uniform points in the unit"
    " square inside the quarter disc\","
    " \"params\": [{\"name\": \"points\", \"type\": \"int\", \"default\": 1, \"min\": 1,"
    "              \"doc\": \"points per sample\"}],"
    " \"observables\": [{\"name\": \"pi\", \"iid\": true,"
    "                   \"doc\": \"4 x the fraction of the sample's points inside the quarter"
    " disc; mean pi, sd sqrt(pi(4-pi)/points)\"}],"
    " \"references\": [{\"name\": \"exact\", \"of\": \"pi\", \"exact\": true,"
    "                  \"doc\": \"pi itself\"}]}";

/* pi to double precision. (M_PI is POSIX, not ISO C: -std=c11 hides it.) */
static const double PI = 3.14159265358979323846;

static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                  size_t errsize)
{
    int64_t points = sk_int(p, "points"), i, j;
    sk_rng g = *rng; /* a local copy stays in registers */
    (void)err;       /* simrun has checked points >= 1: nothing can fail */
    (void)errsize;
    for (i = 0; i < n; i++) {
        int64_t hits = 0;
        for (j = 0; j < points; j++) {
            double x = sk_uniform(&g), y = sk_uniform(&g);
            /* Two products, then their sum: compiled with -ffp-contract=off
             * no multiply-add fuses them, so a point on the edge is counted
             * the same on every machine. */
            double xx = x * x, yy = y * y;
            hits += xx + yy < 1.0;
        }
        sk_add(&obs[0], 4.0 * (double)hits / (double)points);
    }
    *rng = g;
    return 0;
}

static int reference(const sk_params *p, const char *name, double *value, char *err,
                     size_t errsize)
{
    (void)p;
    if (strcmp(name, "exact") == 0) {
        *value = PI;
        return 0;
    }
    snprintf(err, errsize, "no reference named %s", name);
    return 1;
}

int main(void) { return sk_main(SPEC, sample, reference); }
