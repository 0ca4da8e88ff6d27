/* spin.c: a simrun kernel in C whose sample costs a fixed amount of CPU,
 * for bench/cmd/benchext's 1 ms chunks. A sample draws `k` numbers from
 * the chunk's xoshiro256++ stream and records x, how many of them have
 * their top bit set (an integer, so the reply needs no printf). The work
 * is k draws whatever the state: any chunk costs the same.
 *
 * Build: cc -O2 -ffp-contract=off -I../../external/lang/c -o spin spin.c -lm
 * (bench/cmd/benchext builds it; the header is the one simrun ships).
 * Alone: printf 'simrun-kernel 1\npoint 0 k=1000\nchunk 1 0 1 2 1 2 3 4\nflush\n' | ./spin
 */
#include "simrun_kernel.h"

static const char SPEC[] =
    "{\"name\": \"bench-spin-c\", \"version\": 1,"
    " \"doc\": \"k xoshiro256++ draws per sample: a fixed cost of CPU\","
    " \"params\": [{\"name\": \"k\", \"type\": \"int\", \"min\": 0, \"doc\": \"draws per sample\"}],"
    " \"observables\": [{\"name\": \"x\", \"iid\": true,"
    "   \"doc\": \"the number of the k draws with their top bit set\"}]}";

static int sample(const sk_params *p, sk_rng *rng, int64_t n, sk_acc *obs, char *err,
                  size_t errsize)
{
    int64_t k = sk_int(p, "k"), i, j;
    sk_rng g = *rng; /* a local copy stays in registers */
    (void)err;
    (void)errsize;
    for (i = 0; i < n; i++) {
        int64_t top = 0;
        for (j = 0; j < k; j++)
            top += (int64_t)(sk_next(&g) >> 63);
        sk_add(&obs[0], (double)top);
    }
    *rng = g;
    return 0;
}

int main(void) { return sk_main(SPEC, sample, NULL); }
