/* bench.c: the cheapest kernel, to time the header's own cost per chunk
 * (test.sh bench): each chunk records one value, 1, whose accumulator is
 * written by the integer fast path. Built with -DBENCH_FLOATS it records
 * two uniform values instead, so that mean, M2, min and max all go through
 * %.17g: the cost of a typical reply. */
#include "../simrun_kernel.h"

static const char SPEC[] = "{\"name\": \"bench\", \"params\": [{\"name\": \"k\", \"type\": \"int\"}],"
                           " \"observables\": [{\"name\": \"one\", \"iid\": true}]}";

static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                  size_t errsize)
{
    (void)p, (void)rng, (void)n, (void)err, (void)errsize;
#ifdef BENCH_FLOATS
    sk_add(&obs[0], sk_uniform(rng));
    sk_add(&obs[0], sk_uniform(rng));
#else
    sk_add(&obs[0], 1.0);
#endif
    return 0;
}

int main(void) { return sk_main(SPEC, sample, NULL); }
