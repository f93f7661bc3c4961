/* zmq_curve_keypair / zmq_curve_public: RFC 7748 known answers (in Z85),
 * generated pairs are consistent, bad secret keys are rejected.
 * capi-test: valgrind
 */
#include "testutil.h"
#include <stdint.h>

/* RFC 7748 section 6.1, keys Z85-encoded. */
static const char alice_secret[] = "Cl.%(A#p:4jqL+Nql<!5?+kXU(+F]rV3l8w9L0ZJ";
static const char alice_public[] = "G=]<>I7>&bBC>O5V{aj/4zK}kco8}o(.HIuS*=:#";
static const char bob_secret[] = "u8[lWvOhIJDeTmhGmBD]z-+iMck:h&950i$%a]R0";
static const char bob_public[] = "?K-FIDWS-q^{3m$)bQ2.kz8tAtx<^PT]9RZz?]]t";

static void hex_to_bytes (const char *hex, uint8_t *out)
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        CHECK (sscanf (hex + 2 * i, "%2x", &v) == 1);
        out[i] = (uint8_t) v;
    }
}

/* The Z85 strings above really are the RFC's hex keys. */
static void test_vectors_are_the_rfc_keys (void)
{
    const char *hex[4] = {
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
      "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
      "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"};
    const char *z85[4] = {alice_secret, alice_public, bob_secret, bob_public};
    for (int i = 0; i < 4; i++) {
        uint8_t key[32];
        char text[41];
        hex_to_bytes (hex[i], key);
        CHECK (zmq_z85_encode (text, key, 32) == text);
        CHECK (strcmp (text, z85[i]) == 0);
    }
}

static void test_rfc7748_public_keys (void)
{
    char public_key[41];
    memset (public_key, 'X', sizeof public_key);
    CHECK_OK (zmq_curve_public (public_key, alice_secret));
    CHECK (strcmp (public_key, alice_public) == 0);
    CHECK_OK (zmq_curve_public (public_key, bob_secret));
    CHECK (strcmp (public_key, bob_public) == 0);
}

static int is_z85_key (const char *key)
{
    uint8_t bin[32];
    return strlen (key) == 40 && zmq_z85_decode (bin, key) != NULL;
}

static void test_keypair (void)
{
    char public_key[42], secret_key[42];
    memset (public_key, 'X', sizeof public_key);
    memset (secret_key, 'X', sizeof secret_key);
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    /* 40 characters and a NUL, nothing beyond. */
    CHECK (public_key[41] == 'X' && secret_key[41] == 'X');
    CHECK (is_z85_key (public_key));
    CHECK (is_z85_key (secret_key));

    char derived[41];
    CHECK (zmq_curve_public (derived, secret_key) == 0);
    CHECK (strcmp (derived, public_key) == 0);
}

static void test_keypairs_differ (void)
{
    char pub1[41], sec1[41], pub2[41], sec2[41];
    CHECK_OK (zmq_curve_keypair (pub1, sec1));
    CHECK_OK (zmq_curve_keypair (pub2, sec2));
    CHECK (strcmp (pub1, pub2) != 0);
    CHECK (strcmp (sec1, sec2) != 0);
    CHECK (strcmp (pub1, sec1) != 0);
}

static void test_many_keypairs (void)
{
    for (int i = 0; i < 200; i++) {
        char public_key[41], secret_key[41], derived[41];
        CHECK_OK (zmq_curve_keypair (public_key, secret_key));
        CHECK_OK (zmq_curve_public (derived, secret_key));
        CHECK (strcmp (derived, public_key) == 0);
    }
}

/* Any 32 bytes are a secret key (clamping happens in the multiplication):
 * keys that differ only in clamped bits have the same public key. */
static void test_clamping (void)
{
    uint8_t key[32];
    hex_to_bytes ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", key);
    key[0] ^= 0x07;  /* the low three bits are cleared by clamping */
    key[31] ^= 0x80; /* and the top bit */
    char secret[41], public_key[41];
    CHECK (zmq_z85_encode (secret, key, 32) == secret);
    CHECK (strcmp (secret, alice_secret) != 0);
    CHECK_OK (zmq_curve_public (public_key, secret));
    CHECK (strcmp (public_key, alice_public) == 0);
}

/* Secret keys that are not Z85 fail with -1 and EINVAL (libzmq's z85 decode
 * errno). Only cases libzmq rejects before using the key are checked here;
 * the stricter length check of libzmq-rs is in test_utils_ours.c. */
static void test_bad_secret_keys (void)
{
    char public_key[41];
    char bad[41];
    strcpy (bad, alice_secret);
    bad[10] = ' ';
    CHECK_ERR (zmq_curve_public (public_key, bad), EINVAL);
    strcpy (bad, alice_secret);
    bad[39] = '~';
    CHECK_ERR (zmq_curve_public (public_key, bad), EINVAL);
    /* A group above 0xFFFFFFFF. */
    strcpy (bad, alice_secret);
    memcpy (bad + 5, "#####", 5);
    CHECK_ERR (zmq_curve_public (public_key, bad), EINVAL);
    /* Lengths below 5 or not a multiple of 5. */
    CHECK_ERR (zmq_curve_public (public_key, ""), EINVAL);
    CHECK_ERR (zmq_curve_public (public_key, "abcd"), EINVAL);
    strcpy (bad, alice_secret);
    bad[39] = '\0';
    CHECK_ERR (zmq_curve_public (public_key, bad), EINVAL);
}

int main (void)
{
    RUN_TEST (test_vectors_are_the_rfc_keys);
    RUN_TEST (test_rfc7748_public_keys);
    RUN_TEST (test_keypair);
    RUN_TEST (test_keypairs_differ);
    RUN_TEST (test_many_keypairs);
    RUN_TEST (test_clamping);
    RUN_TEST (test_bad_secret_keys);
    return 0;
}
