/*
 * Estimates the core's clock while it runs: a chain of dependent 64-bit additions retires one
 * per cycle, so additions per second is cycles per second. Used to turn the Triple DES rates
 * in ../RESULTS-ciphers.md into cycles per DES round.
 *
 *   cc -O2 -o /tmp/clock nsca/benches/c/clock.c && /tmp/clock
 */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec a, b;
    unsigned long x = 1, n = 1000000000UL;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (unsigned long i = 0; i < n; i++)
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.2f GHz\n", 4.0 * (double)n / s / 1e9);
    return x == 0;
}
