/*
 * Measures, in cycles, the latency of a table load whose index comes from the previous load
 * (the step a table-driven DES round cannot avoid), for the addressing forms a compiler uses:
 * base + index, base + index + displacement, base + index * 4. Cycles assume the clock that
 * clock.c reports (pass it in GHz). Used for the Triple DES arithmetic in ../RESULTS-ciphers.md.
 *
 *   cc -O2 -o /tmp/load_latency nsca/benches/c/load_latency.c && /tmp/load_latency 4.23
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Each table follows 64 bytes of padding, for the displacement form. */
static struct {
    uint32_t pad[16];
    uint32_t t[256];
} offsets, indices;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define CHASE(label, asm_text, table)                                                          \
    do {                                                                                       \
        uint64_t x = 4;                                                                        \
        const char *base = (const char *)(table).t;                                            \
        const char *base_minus = (const char *)(table).pad;                                    \
        __asm__ volatile("" : "+r"(base), "+r"(base_minus));                                   \
        double start = seconds();                                                              \
        for (long i = 0; i < n; i++)                                                           \
            __asm__ volatile(asm_text : "+r"(x) : "r"(base), "r"(base_minus));                 \
        double s = seconds() - start;                                                          \
        printf("%-28s %.2f cycles\n", label, s / (double)n * ghz * 1e9);                        \
        sink ^= x;                                                                             \
    } while (0)

int main(int argc, char **argv) {
    double ghz = argc > 1 ? atof(argv[1]) : 4.0;
    long n = 300000000L;
    uint64_t sink = 0;
    for (int i = 0; i < 256; i++) {
        indices.t[i] = (uint32_t)((i * 97 + 13) & 255);
        offsets.t[i] = indices.t[i] * 4;
    }
    CHASE("base + index", "movl (%1,%0), %k0", offsets);
    CHASE("base + index + disp", "movl 64(%2,%0), %k0", offsets);
    CHASE("base + index * 4", "movl (%1,%0,4), %k0", indices);
    return sink == 12345;
}
