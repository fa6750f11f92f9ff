/*
 * Packets per second of libmcrypt's "cfb" mode the way NSCA 2.10.2's send_nsca uses it, for
 * comparison with `cargo bench -p nsca --bench ciphers` (see ../RESULTS-ciphers.md).
 *
 * For every method, one context per "connection" (key = password zero-padded to the maximum key
 * size, IV = first block-size bytes of a 128-byte IV), then for each 4304-byte packet:
 *   client: filler from rand() for every byte (send_nsca's randomize_buffer()), a CRC32 over the
 *           packet (the same table CRC as NSCA), then mcrypt_generic() one byte at a time
 *           (encrypt_buffer());
 *   cipher: the mcrypt_generic() loop alone.
 * Written for this project, not taken from NSCA. Build and run (Debian: libmcrypt-dev):
 *   cc -O2 -o /tmp/mcrypt_rate nsca/benches/c/mcrypt_rate.c -lmcrypt && /tmp/mcrypt_rate [SECONDS [NAME]]
 * SECONDS per measurement (default 1), NAME to measure only that algorithm (e.g. tripledes).
 * `compare.sh` next to this file runs it alternately with the Rust benchmark.
 */
#include <mcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PACKET 4304

static unsigned long crc_table[256];

static void crc_init(void) {
    for (unsigned long i = 0; i < 256; i++) {
        unsigned long c = i;
        for (int j = 0; j < 8; j++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320UL : c >> 1;
        crc_table[i] = c;
    }
}

static unsigned long crc32(const unsigned char *buf, int len) {
    unsigned long crc = 0xFFFFFFFFUL;
    for (int i = 0; i < len; i++)
        crc = ((crc >> 8) & 0x00FFFFFFUL) ^ crc_table[(crc ^ buf[i]) & 0xFF];
    return crc ^ 0xFFFFFFFFUL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Packets per second over at least `seconds`; `client` adds the filler and the CRC. */
static double rate(const char *algo, int client, double seconds) {
    MCRYPT td = mcrypt_module_open((char *)algo, NULL, "cfb", NULL);
    if (td == MCRYPT_FAILED)
        return -1;
    int keysize = mcrypt_enc_get_key_size(td);
    char *key = calloc(keysize, 1);
    strncpy(key, "benchmark password", keysize);
    unsigned char iv[128];
    for (int i = 0; i < 128; i++)
        iv[i] = (unsigned char)(i * 31 + 7);
    if (mcrypt_generic_init(td, key, keysize, iv) < 0)
        return -1;
    unsigned char buf[PACKET];
    memset(buf, 'x', sizeof buf);
    long packets = 0;
    volatile unsigned long sink = 0;
    double start = now(), elapsed;
    do {
        for (int n = 0; n < 16; n++) {
            if (client) {
                for (int x = 0; x < PACKET; x++)
                    buf[x] = (int)'0' + (int)(72.0 * rand() / (RAND_MAX + 1.0));
                sink += crc32(buf, PACKET);
            }
            for (int x = 0; x < PACKET; x++)
                mcrypt_generic(td, &buf[x], 1);
            packets++;
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    mcrypt_generic_deinit(td);
    mcrypt_module_close(td);
    free(key);
    return packets / elapsed;
}

int main(int argc, char **argv) {
    static const struct { int method; const char *name; } methods[] = {
        {2, "des"}, {3, "tripledes"}, {4, "cast-128"}, {5, "cast-256"}, {6, "xtea"},
        {8, "blowfish"}, {9, "twofish"}, {10, "loki97"}, {11, "rc2"}, {14, "rijndael-128"},
        {15, "rijndael-192"}, {16, "rijndael-256"}, {20, "serpent"}, {23, "gost"},
        {26, "saferplus"},
    };
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    const char *only = argc > 2 ? argv[2] : NULL;
    crc_init();
    srand(1);
    printf("method\tname\tclient_packets_per_s\tcipher_packets_per_s\n");
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (only && strcmp(only, methods[i].name) != 0)
            continue;
        double c = rate(methods[i].name, 1, seconds);
        double e = rate(methods[i].name, 0, seconds);
        printf("%d\t%s\t%.0f\t%.0f\n", methods[i].method, methods[i].name, c, e);
        fflush(stdout);
    }
    return 0;
}
