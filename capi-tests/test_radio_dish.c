/* capi-test: ours-only
 * RADIO and DISH (draft): groups, zmq_join/zmq_leave and their errors,
 * filtering over inproc, tcp and ipc, ZMQ_XPUB_NODROP. */
#include "testutil.h"
#include <pthread.h>

static void *ctx;

static int send_group (void *s, const char *group, const char *body, int flags)
{
    zmq_msg_t m;
    zmq_msg_init_size (&m, strlen (body));
    memcpy (zmq_msg_data (&m), body, strlen (body));
    CHECK_OK (zmq_msg_set_group (&m, group));
    int rc = zmq_msg_send (&m, s, flags);
    if (rc < 0)
        zmq_msg_close (&m);
    return rc;
}

/* Receive one message: its body and group; -1 (errno) if none. */
static int recv_group (void *s, char *body, char *group, int flags)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    int rc = zmq_msg_recv (&m, s, flags);
    if (rc >= 0) {
        memcpy (body, zmq_msg_data (&m), (size_t) rc);
        body[rc] = 0;
        strcpy (group, zmq_msg_group (&m));
    }
    zmq_msg_close (&m);
    return rc;
}

static void test_join_leave_rules (void)
{
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    char big[300];
    memset (big, 'g', sizeof big);
    big[256] = 0; /* 256 > ZMQ_GROUP_MAX_LENGTH */
    CHECK_ERR (zmq_join (dish, big), EINVAL);
    big[255] = 0;
    CHECK_OK (zmq_join (dish, big));
    CHECK_OK (zmq_leave (dish, big));
    CHECK_OK (zmq_join (dish, "a"));
    CHECK_ERR (zmq_join (dish, "a"), EINVAL); /* twice */
    CHECK_ERR (zmq_leave (dish, "b"), EINVAL); /* never joined */
    CHECK_OK (zmq_leave (dish, "a"));
    CHECK_ERR (zmq_leave (dish, "a"), EINVAL);
    CHECK_ERR (zmq_send (dish, "x", 1, 0), ENOTSUP);

    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    CHECK_ERR (zmq_join (radio, "a"), ENOTSUP);
    CHECK_ERR (zmq_leave (radio, "a"), ENOTSUP);
    char b[4];
    CHECK_ERR (zmq_recv (radio, b, sizeof b, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (send_group (radio, "a", "x", ZMQ_SNDMORE), EINVAL);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_ERR (zmq_join (dealer, "a"), ENOTSUP);
    CHECK_ERR (zmq_join (NULL, "a"), ENOTSOCK);
    CHECK_OK (zmq_close (dealer));
    CHECK_OK (zmq_close (radio));
    CHECK_OK (zmq_close (dish));
}

static void wait_joined (void *radio, void *dish, const char *group)
{
    /* Joins travel asynchronously: send until one arrives. */
    char body[64], g[300];
    set_int (dish, ZMQ_RCVTIMEO, 20);
    long end = now_ms () + 5000;
    for (;;) {
        CHECK (send_group (radio, group, "probe", 0) == 5);
        if (recv_group (dish, body, g, 0) == 5)
            break;
        CHECK (now_ms () < end);
    }
    /* Drain duplicates of the probe. */
    while (recv_group (dish, body, g, ZMQ_DONTWAIT) >= 0)
        ;
    set_int (dish, ZMQ_RCVTIMEO, 2000);
}

static void test_filtering (const char *ep)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *d1 = zmq_socket (ctx, ZMQ_DISH);
    void *d2 = zmq_socket (ctx, ZMQ_DISH);
    CHECK_OK (zmq_bind (radio, ep));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, last, &len));
    /* d1 joins before connecting: the join goes out on connect. */
    CHECK_OK (zmq_join (d1, "weather"));
    CHECK_OK (zmq_connect (d1, last));
    CHECK_OK (zmq_connect (d2, last));
    wait_joined (radio, d1, "weather");
    CHECK_OK (zmq_join (d2, "news"));
    CHECK_OK (zmq_join (d2, "weather"));
    /* Joins arrive in order: once "sync" is in, so are the others. */
    CHECK_OK (zmq_join (d2, "sync"));
    wait_joined (radio, d2, "sync");

    CHECK (send_group (radio, "sports", "goal", 0) == 4); /* nobody */
    CHECK (send_group (radio, "news", "extra", 0) == 5);
    CHECK (send_group (radio, "weather", "rain", 0) == 4);

    char body[64], g[64];
    CHECK (recv_group (d1, body, g, 0) == 4);
    CHECK (strcmp (body, "rain") == 0 && strcmp (g, "weather") == 0);
    CHECK (recv_group (d2, body, g, 0) == 5);
    CHECK (strcmp (body, "extra") == 0 && strcmp (g, "news") == 0);
    CHECK (recv_group (d2, body, g, 0) == 4);
    CHECK (strcmp (body, "rain") == 0 && strcmp (g, "weather") == 0);
    CHECK_ERR (recv_group (d1, body, g, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (recv_group (d2, body, g, ZMQ_DONTWAIT), EAGAIN);

    /* Leave: d2 stops getting weather. */
    CHECK_OK (zmq_leave (d2, "weather"));
    long end = now_ms () + 5000;
    int got_on_d2;
    do {
        CHECK (send_group (radio, "weather", "sun", 0) == 3);
        CHECK (recv_group (d1, body, g, 0) == 3);
        set_int (d2, ZMQ_RCVTIMEO, 20);
        got_on_d2 = recv_group (d2, body, g, 0) >= 0;
        CHECK (now_ms () < end);
    } while (got_on_d2);
    CHECK (send_group (radio, "news", "late", 0) == 4);
    set_int (d2, ZMQ_RCVTIMEO, 2000);
    CHECK (recv_group (d2, body, g, 0) == 4);
    CHECK (strcmp (body, "late") == 0);
    CHECK_ERR (recv_group (d1, body, g, ZMQ_DONTWAIT), EAGAIN);

    CHECK_OK (zmq_close (d1));
    CHECK_OK (zmq_close (d2));
    CHECK_OK (zmq_close (radio));
}

static void test_filtering_inproc (void)
{
    test_filtering ("inproc://radio");
}
static void test_filtering_tcp (void)
{
    test_filtering ("tcp://127.0.0.1:*");
}
static void test_filtering_ipc (void)
{
    test_filtering ("ipc://*");
}

/* DISH binds, RADIO connects: the joins cross on connect. Long groups
 * (over the 14 bytes kept inline) survive the wire. */
static void test_reverse_and_long_groups (void)
{
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    char group[256];
    memset (group, 'L', 255);
    group[255] = 0;
    CHECK_OK (zmq_join (dish, group));
    CHECK_OK (zmq_bind (dish, "tcp://127.0.0.1:*"));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (dish, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_connect (radio, last));
    wait_joined (radio, dish, group);
    CHECK (send_group (radio, group, "long", 0) == 4);
    char body[64], g[300];
    CHECK (recv_group (dish, body, g, 0) == 4);
    CHECK (strcmp (g, group) == 0);
    CHECK_OK (zmq_close (radio));
    CHECK_OK (zmq_close (dish));
}

/* Lossy by default: a full DISH loses messages and send never blocks.
 * ZMQ_XPUB_NODROP makes send EAGAIN instead. */
static void test_nodrop (void)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    set_int (radio, ZMQ_SNDHWM, 5);
    set_int (dish, ZMQ_RCVHWM, 5);
    CHECK_OK (zmq_bind (radio, "inproc://nodrop"));
    CHECK_OK (zmq_join (dish, "g"));
    CHECK_OK (zmq_connect (dish, "inproc://nodrop"));
    wait_joined (radio, dish, "g");
    for (int i = 0; i < 100; i++)
        CHECK (send_group (radio, "g", "m", ZMQ_DONTWAIT) == 1);
    char body[8], g[8];
    int n = 0;
    while (recv_group (dish, body, g, ZMQ_DONTWAIT) == 1)
        n++;
    CHECK (n > 0 && n < 100);

    int v = -1;
    CHECK_ERR (zmq_setsockopt (radio, ZMQ_XPUB_NODROP, &v, sizeof v), EINVAL);
    set_int (radio, ZMQ_XPUB_NODROP, 1);
    int sent = 0, rc;
    while ((rc = send_group (radio, "g", "m", ZMQ_DONTWAIT)) == 1)
        sent++;
    CHECK (rc == -1 && zmq_errno () == EAGAIN);
    CHECK (sent > 0 && sent <= 20);
    n = 0;
    while (recv_group (dish, body, g, ZMQ_DONTWAIT) == 1)
        n++;
    CHECK (n == sent);
    /* A group no one joined is never refused. */
    CHECK (send_group (radio, "nobody", "m", ZMQ_DONTWAIT) == 1);
    CHECK_OK (zmq_close (dish));
    CHECK_OK (zmq_close (radio));
}

/* RADIO and DISH only talk to each other over the wire. */
static void test_incompatible_peer (void)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    CHECK_OK (zmq_bind (radio, "tcp://127.0.0.1:*"));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    set_int (sub, ZMQ_RCVTIMEO, 200);
    CHECK_OK (zmq_connect (sub, last));
    for (int i = 0; i < 5; i++)
        CHECK (send_group (radio, "", "x", 0) == 1);
    char b[8];
    CHECK_ERR (zmq_recv (sub, b, sizeof b, 0), EAGAIN);
    CHECK_OK (zmq_close (sub));
    CHECK_OK (zmq_close (radio));
}

/* A DISH that reconnects (the RADIO restarted) joins its groups again. */
static void test_rejoin_after_reconnect (void)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    set_int (dish, ZMQ_RECONNECT_IVL, 20);
    CHECK_OK (zmq_bind (radio, "tcp://127.0.0.1:*"));
    char last[256];
    size_t len = sizeof last;
    CHECK_OK (zmq_getsockopt (radio, ZMQ_LAST_ENDPOINT, last, &len));
    CHECK_OK (zmq_join (dish, "g"));
    CHECK_OK (zmq_connect (dish, last));
    wait_joined (radio, dish, "g");
    CHECK_OK (zmq_close (radio));
    radio = zmq_socket (ctx, ZMQ_RADIO);
    long end = now_ms () + 5000;
    while (zmq_bind (radio, last) != 0) {
        CHECK (now_ms () < end);
        zmq_sleep (0);
    }
    wait_joined (radio, dish, "g");
    CHECK_OK (zmq_close (dish));
    CHECK_OK (zmq_close (radio));
}

#define MT_GROUPS 4
#define MT_PER_GROUP 500

struct mt_arg {
    void *s;
    int id;
};

/* Join, then leave and join again many times: one DISH, several threads. */
static void *mt_joiner (void *arg)
{
    struct mt_arg *a = arg;
    char g[8];
    snprintf (g, sizeof g, "g%d", a->id);
    CHECK_OK (zmq_join (a->s, g));
    for (int i = 0; i < 100; i++) {
        CHECK_OK (zmq_leave (a->s, g));
        CHECK_OK (zmq_join (a->s, g));
    }
    return NULL;
}

static void *mt_sender (void *arg)
{
    struct mt_arg *a = arg;
    char g[8];
    snprintf (g, sizeof g, "g%d", a->id);
    for (int i = 0; i < MT_PER_GROUP; i++)
        CHECK (send_group (a->s, g, "m", 0) == 1);
    return NULL;
}

/* Thread-safe RADIO/DISH: concurrent joins and leaves on one DISH, then
 * concurrent senders on one RADIO with ZMQ_XPUB_NODROP and a small HWM (so
 * senders block and must let each other in): every message arrives. */
static void test_multithreaded (void)
{
    void *radio = zmq_socket (ctx, ZMQ_RADIO);
    void *dish = zmq_socket (ctx, ZMQ_DISH);
    set_int (radio, ZMQ_XPUB_NODROP, 1);
    set_int (radio, ZMQ_SNDHWM, 20);
    set_int (dish, ZMQ_RCVHWM, 20);
    CHECK_OK (zmq_bind (radio, "inproc://radio-mt"));
    CHECK_OK (zmq_connect (dish, "inproc://radio-mt"));
    pthread_t t[MT_GROUPS];
    struct mt_arg args[MT_GROUPS];
    for (int i = 0; i < MT_GROUPS; i++) {
        args[i] = (struct mt_arg){dish, i};
        pthread_create (&t[i], NULL, mt_joiner, &args[i]);
    }
    for (int i = 0; i < MT_GROUPS; i++)
        pthread_join (t[i], NULL);
    for (int i = 0; i < MT_GROUPS; i++) {
        char g[8];
        snprintf (g, sizeof g, "g%d", i);
        wait_joined (radio, dish, g);
    }
    for (int i = 0; i < MT_GROUPS; i++) {
        args[i] = (struct mt_arg){radio, i};
        pthread_create (&t[i], NULL, mt_sender, &args[i]);
    }
    int per[MT_GROUPS] = {0};
    char body[8], g[16];
    set_int (dish, ZMQ_RCVTIMEO, 5000);
    for (int n = 0; n < MT_GROUPS * MT_PER_GROUP; n++) {
        CHECK (recv_group (dish, body, g, 0) == 1);
        int id = g[1] - '0';
        CHECK (g[0] == 'g' && id >= 0 && id < MT_GROUPS);
        per[id]++;
    }
    for (int i = 0; i < MT_GROUPS; i++) {
        pthread_join (t[i], NULL);
        CHECK (per[i] == MT_PER_GROUP);
    }
    CHECK_ERR (recv_group (dish, body, g, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (dish));
    CHECK_OK (zmq_close (radio));
}

int main (void)
{
    ctx = zmq_ctx_new ();
    RUN_TEST (test_join_leave_rules);
    RUN_TEST (test_filtering_inproc);
    RUN_TEST (test_filtering_tcp);
    RUN_TEST (test_filtering_ipc);
    RUN_TEST (test_reverse_and_long_groups);
    RUN_TEST (test_nodrop);
    RUN_TEST (test_incompatible_peer);
    RUN_TEST (test_rejoin_after_reconnect);
    RUN_TEST (test_multithreaded);
    CHECK_OK (zmq_ctx_term (ctx));
    return 0;
}
