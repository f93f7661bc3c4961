/* libsodium as an oracle for tests/salsa20_libsodium.rs: reads requests on
 * stdin, answers on stdout. Every request is an op byte, then fixed fields,
 * then (for ops with data) a 32-bit little-endian length and the data.
 *   's' key[32] nonce[8]  ic[8] len data  -> crypto_stream_salsa20_xor_ic
 *   'x' key[32] nonce[24] ic[8] len data  -> crypto_stream_xsalsa20_xor_ic
 *   'b' key[32] nonce[24] len data        -> crypto_secretbox_easy (tag, then ciphertext)
 *   'o' key[32] nonce[24] len boxed       -> 1 byte (1 = opened) + plaintext if opened
 *   'k' pk[32] sk[32]                     -> crypto_box_beforenm (32 bytes)
 * Built and run by the test only; libsodium is never linked into libzmq. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_LEN ((1u << 20) + 64)
static unsigned char in[MAX_LEN + 16], out[MAX_LEN + 16];

static int rd(void *p, size_t n) { return fread(p, 1, n, stdin) == n; }

static int rd_len(uint32_t *len)
{
    unsigned char b[4];
    if (!rd(b, 4))
        return 0;
    *len = (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
    return *len <= MAX_LEN && rd(in, *len);
}

static uint64_t le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

int main(void)
{
    unsigned char op, key[32], nonce[24], ic[8], sk[32];
    uint32_t len;
    if (sodium_init() < 0)
        return 2;
    while (rd(&op, 1)) {
        switch (op) {
        case 's':
            if (!rd(key, 32) || !rd(nonce, 8) || !rd(ic, 8) || !rd_len(&len))
                return 3;
            crypto_stream_salsa20_xor_ic(out, in, len, nonce, le64(ic), key);
            fwrite(out, 1, len, stdout);
            break;
        case 'x':
            if (!rd(key, 32) || !rd(nonce, 24) || !rd(ic, 8) || !rd_len(&len))
                return 3;
            crypto_stream_xsalsa20_xor_ic(out, in, len, nonce, le64(ic), key);
            fwrite(out, 1, len, stdout);
            break;
        case 'b':
            if (!rd(key, 32) || !rd(nonce, 24) || !rd_len(&len))
                return 3;
            crypto_secretbox_easy(out, in, len, nonce, key);
            fwrite(out, 1, len + crypto_secretbox_MACBYTES, stdout);
            break;
        case 'o':
            if (!rd(key, 32) || !rd(nonce, 24) || !rd_len(&len) || len < crypto_secretbox_MACBYTES)
                return 3;
            if (crypto_secretbox_open_easy(out, in, len, nonce, key) == 0) {
                fputc(1, stdout);
                fwrite(out, 1, len - crypto_secretbox_MACBYTES, stdout);
            } else {
                fputc(0, stdout);
            }
            break;
        case 'k':
            if (!rd(key, 32) || !rd(sk, 32))
                return 3;
            if (crypto_box_beforenm(out, key, sk) != 0)
                memset(out, 0, 32);
            fwrite(out, 1, 32, stdout);
            break;
        default:
            return 4;
        }
        fflush(stdout);
    }
    return 0;
}
