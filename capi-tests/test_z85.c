/* zmq_z85_encode / zmq_z85_decode: RFC 32 vectors, every error case.
 * capi-test: valgrind
 */
#include "testutil.h"
#include <stdint.h>

static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               ".-:+=^!/*?&<>()[]{}@%$#";

static void test_rfc32_vector (void)
{
    const uint8_t data[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    CHECK (zmq_z85_encode (text, data, 8) == text);
    CHECK (strcmp (text, "HelloWorld") == 0);

    uint8_t back[8];
    CHECK (zmq_z85_decode (back, "HelloWorld") == back);
    CHECK (memcmp (back, data, 8) == 0);
}

static void test_extremes (void)
{
    const uint8_t zeros[4] = {0, 0, 0, 0};
    const uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    char text[6];
    uint8_t out[4];
    CHECK (zmq_z85_encode (text, zeros, 4) == text);
    CHECK (strcmp (text, "00000") == 0);
    CHECK (zmq_z85_encode (text, ones, 4) == text);
    CHECK (strcmp (text, "%nSc0") == 0);
    CHECK (zmq_z85_decode (out, "%nSc0") == out);
    CHECK (memcmp (out, ones, 4) == 0);
    CHECK (zmq_z85_decode (out, "00000") == out);
    CHECK (memcmp (out, zeros, 4) == 0);
}

/* Exactly size * 5 / 4 characters and a NUL are written, nothing more. */
static void test_encode_writes_exactly (void)
{
    uint8_t data[32];
    for (int i = 0; i < 32; i++)
        data[i] = (uint8_t) (i * 37 + 11);
    char text[64];
    memset (text, 'X', sizeof text);
    CHECK (zmq_z85_encode (text, data, 32) == text);
    CHECK (strlen (text) == 40);
    CHECK (text[41] == 'X');

    /* Size 0 is valid: the empty string. */
    memset (text, 'X', sizeof text);
    CHECK (zmq_z85_encode (text, data, 0) == text);
    CHECK (text[0] == '\0' && text[1] == 'X');
}

static void test_decode_writes_exactly (void)
{
    uint8_t out[16];
    memset (out, 0xAA, sizeof out);
    CHECK (zmq_z85_decode (out, "HelloWorld") == out);
    CHECK (out[8] == 0xAA);
}

static void test_encode_bad_sizes (void)
{
    const uint8_t data[8] = {0};
    char text[16];
    const size_t bad[] = {1, 2, 3, 5, 6, 7};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_NULL_ERR (zmq_z85_encode (text, data, bad[i]), EINVAL);
}

static void test_decode_bad_lengths (void)
{
    uint8_t out[16];
    const char *bad[] = {"", "0", "0000", "000000", "000000000", "00000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_NULL_ERR (zmq_z85_decode (out, bad[i]), EINVAL);
}

static void test_decode_bad_characters (void)
{
    uint8_t out[8];
    char text[11];
    int bad_count = 0;
    /* Every byte value in one position: the 85 alphabet members decode
     * ("00c00" cannot overflow), every other byte is EINVAL. */
    for (int c = 1; c < 256; c++) {
        strcpy (text, "0000000000");
        text[7] = (char) c;
        if (strchr (alphabet, c) != NULL) {
            CHECK (zmq_z85_decode (out, text) == out);
        } else {
            bad_count++;
            CHECK_NULL_ERR (zmq_z85_decode (out, text), EINVAL);
        }
    }
    CHECK (bad_count == 255 - 85);
}

static void test_decode_overflow (void)
{
    uint8_t out[8];
    /* One above 0xFFFFFFFF, and the largest 5-digit value. */
    CHECK_NULL_ERR (zmq_z85_decode (out, "%nSc1"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (out, "#####"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (out, "00000#####"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (out, "%nSc1HelloWorld"), EINVAL);
}

static void test_round_trip (void)
{
    uint8_t data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t) i;
    char text[321];
    CHECK (zmq_z85_encode (text, data, 256) == text);
    CHECK (strlen (text) == 320);
    for (size_t i = 0; i < 320; i++)
        CHECK (strchr (alphabet, text[i]) != NULL);
    uint8_t back[256];
    CHECK (zmq_z85_decode (back, text) == back);
    CHECK (memcmp (back, data, 256) == 0);

    /* A pseudo-random walk over 32-bit words. */
    uint32_t x = 0x12345678;
    for (int i = 0; i < 20000; i++) {
        x = x * 1664525u + 1013904223u;
        const uint8_t w[4] = {(uint8_t) (x >> 24), (uint8_t) (x >> 16),
                              (uint8_t) (x >> 8), (uint8_t) x};
        char t[6];
        uint8_t b[4];
        CHECK (zmq_z85_encode (t, w, 4) == t);
        CHECK (zmq_z85_decode (b, t) == b);
        CHECK (memcmp (b, w, 4) == 0);
    }
}

int main (void)
{
    RUN_TEST (test_rfc32_vector);
    RUN_TEST (test_extremes);
    RUN_TEST (test_encode_writes_exactly);
    RUN_TEST (test_decode_writes_exactly);
    RUN_TEST (test_encode_bad_sizes);
    RUN_TEST (test_decode_bad_lengths);
    RUN_TEST (test_decode_bad_characters);
    RUN_TEST (test_decode_overflow);
    RUN_TEST (test_round_trip);
    return 0;
}
