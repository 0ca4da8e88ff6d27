/* trivial.c: the cheapest possible simrun kernel in C, for
 * bench/cmd/benchext. Every sample records x = 1.0, so a chunk's reply is
 * integers only ("ok ID N 1 0 1 1"), which simrun_kernel.h writes without
 * printf: the chunk's cost is the protocol, nothing else.
 *
 * Build: cc -O2 -ffp-contract=off -I../../external/lang/c -o trivial trivial.c -lm
 * (bench/cmd/benchext builds it; the header is the one simrun ships).
 */
#include "simrun_kernel.h"

static const char SPEC[] =
    "{\"name\": \"bench-trivial-c\", \"version\": 1,"
    " \"doc\": \"x = 1.0 for every sample: the protocol's cost alone\","
    " \"observables\": [{\"name\": \"x\", \"iid\": true, \"doc\": \"always 1.0\"}]}";

static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                  size_t errsize)
{
    int64_t i;
    (void)p;
    (void)rng;
    (void)err;
    (void)errsize;
    for (i = 0; i < n; i++)
        sk_add(&obs[0], 1.0);
    return 0;
}

int main(void) { return sk_main(SPEC, sample, NULL); }
