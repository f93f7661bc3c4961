/*
    zmq.h: the ZeroMQ C API, as libzmq 4.3.5 declares it, for libzmq-rs.

    GENERATED FILE, do not edit. build.rs assembles it from
    include/zmq_prologue.h, the Rust sources (src/constants.rs and the
    extern "C" functions in src/capi/, through cbindgen) and
    include/zmq_epilogue.h. Edit those, then run `make header`.

    Constants, types and prototypes are libzmq's: programs built against this
    header run against libzmq's libzmq.so.5 and the other way round.
*/

#ifndef __ZMQ_H_INCLUDED__
#define __ZMQ_H_INCLUDED__

/*  Compile-time version; ZMQ_VERSION_MAJOR/MINOR/PATCH are defined below.    */
#define ZMQ_MAKE_VERSION(major, minor, patch)                                  \
    ((major) *10000 + (minor) *100 + (patch))
#define ZMQ_VERSION                                                            \
    ZMQ_MAKE_VERSION (ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH)

#if !defined _WIN32_WCE
#include <errno.h>
#endif
#include <stddef.h>
#include <stdio.h>

/*  Symbol visibility of the API functions.                                   */
#if defined ZMQ_NO_EXPORT
#define ZMQ_EXPORT
#elif defined _WIN32
#if defined ZMQ_STATIC
#define ZMQ_EXPORT
#elif defined DLL_EXPORT
#define ZMQ_EXPORT __declspec(dllexport)
#else
#define ZMQ_EXPORT __declspec(dllimport)
#endif
#elif defined __SUNPRO_C || defined __SUNPRO_CC
#define ZMQ_EXPORT __global
#elif (defined __GNUC__ && __GNUC__ >= 4) || defined __INTEL_COMPILER
#define ZMQ_EXPORT __attribute__ ((visibility ("default")))
#else
#define ZMQ_EXPORT
#endif

/*  Fixed-width integers (uint8_t, uint32_t, uint64_t) used by the API.       */
#if defined ZMQ_HAVE_SOLARIS || defined ZMQ_HAVE_OPENVMS
#include <inttypes.h>
#elif defined _MSC_VER && _MSC_VER < 1600
#ifndef uint64_t
typedef unsigned __int64 uint64_t;
#endif
#ifndef int32_t
typedef __int32 int32_t;
#endif
#ifndef uint32_t
typedef unsigned __int32 uint32_t;
#endif
#ifndef uint16_t
typedef unsigned __int16 uint16_t;
#endif
#ifndef uint8_t
typedef unsigned __int8 uint8_t;
#endif
#else
#include <stdint.h>
#endif

/*  sigset_t, for zmq_ppoll.                                                  */
#if !defined _WIN32
#include <signal.h>
#endif

/*  On AIX <poll.h> renames the pollfd members through macros; including it   */
/*  first keeps those macros from rewriting zmq_pollitem_t's members later.   */
#ifdef ZMQ_HAVE_AIX
#include <poll.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*  POSIX errno values some platforms (Windows) lack get a number in 0MQ's    */
/*  own range. ZMQ_HAUSNUMERO is defined with the other constants below.      */
#ifndef ENOTSUP
#define ENOTSUP (ZMQ_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (ZMQ_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (ZMQ_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (ZMQ_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (ZMQ_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (ZMQ_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (ZMQ_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (ZMQ_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (ZMQ_HAUSNUMERO + 9)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (ZMQ_HAUSNUMERO + 10)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (ZMQ_HAUSNUMERO + 11)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (ZMQ_HAUSNUMERO + 12)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (ZMQ_HAUSNUMERO + 13)
#endif
#ifndef ECONNRESET
#define ECONNRESET (ZMQ_HAUSNUMERO + 14)
#endif
#ifndef ENOTCONN
#define ENOTCONN (ZMQ_HAUSNUMERO + 15)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (ZMQ_HAUSNUMERO + 16)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (ZMQ_HAUSNUMERO + 17)
#endif
#ifndef ENETRESET
#define ENETRESET (ZMQ_HAUSNUMERO + 18)
#endif

/*  A message: 64 opaque bytes, pointer-aligned so that strict-alignment      */
/*  CPUs can keep pointers in it. Allocate it anywhere; it may be bit-copied. */
typedef struct zmq_msg_t
{
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
    __declspec(align (8)) unsigned char _[64];
#elif defined(_MSC_VER)                                                        \
  && (defined(_M_IX86) || defined(_M_ARM_ARMV7VE) || defined(_M_ARM))
    __declspec(align (4)) unsigned char _[64];
#elif defined(__GNUC__) || defined(__INTEL_COMPILER)                           \
  || (defined(__SUNPRO_C) && __SUNPRO_C >= 0x590)                              \
  || (defined(__SUNPRO_CC) && __SUNPRO_CC >= 0x590)
    unsigned char _[64] __attribute__ ((aligned (sizeof (void *))));
#else
    unsigned char _[64];
#endif
} zmq_msg_t;

/*  Releases a buffer given to zmq_msg_init_data.                             */
typedef void(zmq_free_fn) (void *data_, void *hint_);

/*  A socket's file descriptor (SOCKET on Windows).                           */
#if defined _WIN32
#if defined _WIN64
typedef unsigned __int64 zmq_fd_t;
#else
typedef unsigned int zmq_fd_t;
#endif
#else
typedef int zmq_fd_t;
#endif

/*  An entry of zmq_poll: a 0MQ socket, or a plain fd when socket is NULL.    */
typedef struct zmq_pollitem_t
{
    void *socket;
    zmq_fd_t fd;
    short events;
    short revents;
} zmq_pollitem_t;

/*  zmq_sendiov/zmq_recviov take POSIX iovecs.                                */
struct iovec;

/*  Timers (stable since 4.3.0).                                              */
#define ZMQ_HAVE_TIMERS

typedef void(zmq_timer_fn) (int timer_id, void *arg);

/*  The body of a thread started by zmq_threadstart.                          */
typedef void(zmq_thread_fn) (void *);

#ifdef ZMQ_BUILD_DRAFT_API

/*  The thread-safe poller (draft).                                           */
#define ZMQ_HAVE_POLLER

typedef struct zmq_poller_event_t
{
    void *socket;
    zmq_fd_t fd;
    void *user_data;
    short events;
} zmq_poller_event_t;

#endif /* ZMQ_BUILD_DRAFT_API */

/******************************************************************************/
/*  Constants and functions (generated from the Rust sources).                */
/******************************************************************************/

/*
 The version of libzmq this library is compatible with (see zmq_version).
 */
#define ZMQ_VERSION_MAJOR 4
#define ZMQ_VERSION_MINOR 3
#define ZMQ_VERSION_PATCH 5

/*
 The API uses <stdint.h> types.
 */
#define ZMQ_DEFINED_STDINT 1

/*
 0MQ's own errno range. (The prologue's `#ifndef` fallbacks for POSIX codes
 some platforms lack, ENOTSUP = ZMQ_HAUSNUMERO + 1 ..., do not apply on Linux.)
 */
#define ZMQ_HAUSNUMERO 156384712
#define EFSM (ZMQ_HAUSNUMERO + 51)
#define ENOCOMPATPROTO (ZMQ_HAUSNUMERO + 52)
#define ETERM (ZMQ_HAUSNUMERO + 53)
#define EMTHREAD (ZMQ_HAUSNUMERO + 54)

/*
 Context options.
 */
#define ZMQ_IO_THREADS 1
#define ZMQ_MAX_SOCKETS 2
#define ZMQ_SOCKET_LIMIT 3
#define ZMQ_THREAD_PRIORITY 3
#define ZMQ_THREAD_SCHED_POLICY 4
#define ZMQ_MAX_MSGSZ 5
#define ZMQ_MSG_T_SIZE 6
#define ZMQ_THREAD_AFFINITY_CPU_ADD 7
#define ZMQ_THREAD_AFFINITY_CPU_REMOVE 8
#define ZMQ_THREAD_NAME_PREFIX 9

/*
 Context defaults.
 */
#define ZMQ_IO_THREADS_DFLT 1
#define ZMQ_MAX_SOCKETS_DFLT 1023
#define ZMQ_THREAD_PRIORITY_DFLT -1
#define ZMQ_THREAD_SCHED_POLICY_DFLT -1

/*
 Socket types.
 */
#define ZMQ_PAIR 0
#define ZMQ_PUB 1
#define ZMQ_SUB 2
#define ZMQ_REQ 3
#define ZMQ_REP 4
#define ZMQ_DEALER 5
#define ZMQ_ROUTER 6
#define ZMQ_PULL 7
#define ZMQ_PUSH 8
#define ZMQ_XPUB 9
#define ZMQ_XSUB 10
#define ZMQ_STREAM 11

/*
 Deprecated socket type aliases.
 */
#define ZMQ_XREQ ZMQ_DEALER
#define ZMQ_XREP ZMQ_ROUTER

/*
 Socket options.
 */
#define ZMQ_AFFINITY 4
#define ZMQ_ROUTING_ID 5
#define ZMQ_SUBSCRIBE 6
#define ZMQ_UNSUBSCRIBE 7
#define ZMQ_RATE 8
#define ZMQ_RECOVERY_IVL 9
#define ZMQ_SNDBUF 11
#define ZMQ_RCVBUF 12
#define ZMQ_RCVMORE 13
#define ZMQ_FD 14
#define ZMQ_EVENTS 15
#define ZMQ_TYPE 16
#define ZMQ_LINGER 17
#define ZMQ_RECONNECT_IVL 18
#define ZMQ_BACKLOG 19
#define ZMQ_RECONNECT_IVL_MAX 21
#define ZMQ_MAXMSGSIZE 22
#define ZMQ_SNDHWM 23
#define ZMQ_RCVHWM 24
#define ZMQ_MULTICAST_HOPS 25
#define ZMQ_RCVTIMEO 27
#define ZMQ_SNDTIMEO 28
#define ZMQ_LAST_ENDPOINT 32
#define ZMQ_ROUTER_MANDATORY 33
#define ZMQ_TCP_KEEPALIVE 34
#define ZMQ_TCP_KEEPALIVE_CNT 35
#define ZMQ_TCP_KEEPALIVE_IDLE 36
#define ZMQ_TCP_KEEPALIVE_INTVL 37
#define ZMQ_IMMEDIATE 39
#define ZMQ_XPUB_VERBOSE 40
#define ZMQ_ROUTER_RAW 41
#define ZMQ_IPV6 42
#define ZMQ_MECHANISM 43
#define ZMQ_PLAIN_SERVER 44
#define ZMQ_PLAIN_USERNAME 45
#define ZMQ_PLAIN_PASSWORD 46
#define ZMQ_CURVE_SERVER 47
#define ZMQ_CURVE_PUBLICKEY 48
#define ZMQ_CURVE_SECRETKEY 49
#define ZMQ_CURVE_SERVERKEY 50
#define ZMQ_PROBE_ROUTER 51
#define ZMQ_REQ_CORRELATE 52
#define ZMQ_REQ_RELAXED 53
#define ZMQ_CONFLATE 54
#define ZMQ_ZAP_DOMAIN 55
#define ZMQ_ROUTER_HANDOVER 56
#define ZMQ_TOS 57
#define ZMQ_CONNECT_ROUTING_ID 61
#define ZMQ_GSSAPI_SERVER 62
#define ZMQ_GSSAPI_PRINCIPAL 63
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL 64
#define ZMQ_GSSAPI_PLAINTEXT 65
#define ZMQ_HANDSHAKE_IVL 66
#define ZMQ_SOCKS_PROXY 68
#define ZMQ_XPUB_NODROP 69
#define ZMQ_BLOCKY 70
#define ZMQ_XPUB_MANUAL 71
#define ZMQ_XPUB_WELCOME_MSG 72
#define ZMQ_STREAM_NOTIFY 73
#define ZMQ_INVERT_MATCHING 74
#define ZMQ_HEARTBEAT_IVL 75
#define ZMQ_HEARTBEAT_TTL 76
#define ZMQ_HEARTBEAT_TIMEOUT 77
#define ZMQ_XPUB_VERBOSER 78
#define ZMQ_CONNECT_TIMEOUT 79
#define ZMQ_TCP_MAXRT 80
#define ZMQ_THREAD_SAFE 81
#define ZMQ_MULTICAST_MAXTPDU 84
#define ZMQ_VMCI_BUFFER_SIZE 85
#define ZMQ_VMCI_BUFFER_MIN_SIZE 86
#define ZMQ_VMCI_BUFFER_MAX_SIZE 87
#define ZMQ_VMCI_CONNECT_TIMEOUT 88
#define ZMQ_USE_FD 89
#define ZMQ_GSSAPI_PRINCIPAL_NAMETYPE 90
#define ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE 91
#define ZMQ_BINDTODEVICE 92

/*
 Message options.
 */
#define ZMQ_MORE 1
#define ZMQ_SHARED 3

/*
 Send/recv flags.
 */
#define ZMQ_DONTWAIT 1
#define ZMQ_SNDMORE 2

/*
 Security mechanisms.
 */
#define ZMQ_NULL 0
#define ZMQ_PLAIN 1
#define ZMQ_CURVE 2
#define ZMQ_GSSAPI 3

/*
 RADIO-DISH: the longest group name (it was 15 before 4.3.3).
 */
#define ZMQ_GROUP_MAX_LENGTH 255

/*
 Deprecated options and aliases.
 */
#define ZMQ_IDENTITY ZMQ_ROUTING_ID
#define ZMQ_CONNECT_RID ZMQ_CONNECT_ROUTING_ID
#define ZMQ_TCP_ACCEPT_FILTER 38
#define ZMQ_IPC_FILTER_PID 58
#define ZMQ_IPC_FILTER_UID 59
#define ZMQ_IPC_FILTER_GID 60
#define ZMQ_IPV4ONLY 31
#define ZMQ_DELAY_ATTACH_ON_CONNECT ZMQ_IMMEDIATE
#define ZMQ_NOBLOCK ZMQ_DONTWAIT
#define ZMQ_FAIL_UNROUTABLE ZMQ_ROUTER_MANDATORY
#define ZMQ_ROUTER_BEHAVIOR ZMQ_ROUTER_MANDATORY

/*
 Deprecated message option.
 */
#define ZMQ_SRCFD 2

/*
 GSSAPI principal name types.
 */
#define ZMQ_GSSAPI_NT_HOSTBASED 0
#define ZMQ_GSSAPI_NT_USER_NAME 1
#define ZMQ_GSSAPI_NT_KRB5_PRINCIPAL 2

/*
 Socket monitor events.
 */
#define ZMQ_EVENT_CONNECTED 1
#define ZMQ_EVENT_CONNECT_DELAYED 2
#define ZMQ_EVENT_CONNECT_RETRIED 4
#define ZMQ_EVENT_LISTENING 8
#define ZMQ_EVENT_BIND_FAILED 16
#define ZMQ_EVENT_ACCEPTED 32
#define ZMQ_EVENT_ACCEPT_FAILED 64
#define ZMQ_EVENT_CLOSED 128
#define ZMQ_EVENT_CLOSE_FAILED 256
#define ZMQ_EVENT_DISCONNECTED 512
#define ZMQ_EVENT_MONITOR_STOPPED 1024
#define ZMQ_EVENT_ALL 65535

/*
 The handshake failed for a system error. Event value: an errno.
 */
#define ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL 2048

/*
 Handshake (and authentication, if any) succeeded. Event value: unused.
 */
#define ZMQ_EVENT_HANDSHAKE_SUCCEEDED 4096

/*
 A ZMTP or ZAP protocol error. Event value: one of ZMQ_PROTOCOL_ERROR_*.
 */
#define ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL 8192

/*
 Authentication failed. Event value: the ZAP status code (300, 400 or 500).
 */
#define ZMQ_EVENT_HANDSHAKE_FAILED_AUTH 16384

/*
 Protocol error codes (the value of ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL).
 */
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED 268435456
#define ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND 268435457
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE 268435458
#define ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE 268435459
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED 268435473
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE 268435474
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO 268435475
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE 268435476
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR 268435477
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY 268435478
#define ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME 268435479
#define ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA 268435480
#define ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC 285212673
#define ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH 285212674
#define ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED 536870912
#define ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY 536870913
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID 536870914
#define ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION 536870915
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE 536870916
#define ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA 536870917
#define ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED 805306368

/*
 zmq_poll events.
 */
#define ZMQ_POLLIN 1
#define ZMQ_POLLOUT 2
#define ZMQ_POLLERR 4
#define ZMQ_POLLPRI 8

/*
 zmq_poll keeps up to this many items on the stack.
 */
#define ZMQ_POLLITEMS_DFLT 16

/*
 zmq_has exists.
 */
#define ZMQ_HAS_CAPABILITIES 1

/*
 Deprecated zmq_device types.
 */
#define ZMQ_STREAMER 1
#define ZMQ_FORWARDER 2
#define ZMQ_QUEUE 3

#if defined(ZMQ_BUILD_DRAFT_API)
/*
 Draft socket types.
 */
#define ZMQ_SERVER 12
#define ZMQ_CLIENT 13
#define ZMQ_RADIO 14
#define ZMQ_DISH 15
#define ZMQ_GATHER 16
#define ZMQ_SCATTER 17
#define ZMQ_DGRAM 18
#define ZMQ_PEER 19
#define ZMQ_CHANNEL 20

/*
 Draft socket options.
 */
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#define ZMQ_LOOPBACK_FASTPATH 94
#define ZMQ_METADATA 95
#define ZMQ_MULTICAST_LOOP 96
#define ZMQ_ROUTER_NOTIFY 97
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#define ZMQ_SOCKS_USERNAME 99
#define ZMQ_SOCKS_PASSWORD 100
#define ZMQ_IN_BATCH_SIZE 101
#define ZMQ_OUT_BATCH_SIZE 102
#define ZMQ_WSS_KEY_PEM 103
#define ZMQ_WSS_CERT_PEM 104
#define ZMQ_WSS_TRUST_PEM 105
#define ZMQ_WSS_HOSTNAME 106
#define ZMQ_WSS_TRUST_SYSTEM 107
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#define ZMQ_RECONNECT_STOP 109
#define ZMQ_HELLO_MSG 110
#define ZMQ_DISCONNECT_MSG 111
#define ZMQ_PRIORITY 112
#define ZMQ_BUSY_POLL 113
#define ZMQ_HICCUP_MSG 114
#define ZMQ_XSUB_VERBOSE_UNSUBSCRIBE 115
#define ZMQ_TOPICS_COUNT 116
#define ZMQ_NORM_MODE 117
#define ZMQ_NORM_UNICAST_NACK 118
#define ZMQ_NORM_BUFFER_SIZE 119
#define ZMQ_NORM_SEGMENT_SIZE 120
#define ZMQ_NORM_BLOCK_SIZE 121
#define ZMQ_NORM_NUM_PARITY 122
#define ZMQ_NORM_NUM_AUTOPARITY 123
#define ZMQ_NORM_PUSH 124

/*
 ZMQ_NORM_MODE values.
 */
#define ZMQ_NORM_FIXED 0
#define ZMQ_NORM_CC 1
#define ZMQ_NORM_CCL 2
#define ZMQ_NORM_CCE 3
#define ZMQ_NORM_CCE_ECNONLY 4

/*
 ZMQ_RECONNECT_STOP bits (AFTER_DISCONNECT was 0x3 in 4.3.4).
 */
#define ZMQ_RECONNECT_STOP_CONN_REFUSED 1
#define ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED 2
#define ZMQ_RECONNECT_STOP_AFTER_DISCONNECT 4

/*
 Draft context option.
 */
#define ZMQ_ZERO_COPY_RECV 10

/*
 ZMQ_ROUTER_NOTIFY bits.
 */
#define ZMQ_NOTIFY_CONNECT 1
#define ZMQ_NOTIFY_DISCONNECT 2

/*
 Draft monitor event and event versions.
 */
#define ZMQ_EVENT_PIPES_STATS 65536
#define ZMQ_CURRENT_EVENT_VERSION 1
#define ZMQ_CURRENT_EVENT_VERSION_DRAFT 2
#define ZMQ_EVENT_ALL_V1 ZMQ_EVENT_ALL
#endif

/*
 Create a context with default options.
 */
ZMQ_EXPORT void *zmq_ctx_new(void);

/*
 Terminate a context: blocks until its sockets are closed (and lingered),
 then frees it. Bad handle: EFAULT.
 */
ZMQ_EXPORT int zmq_ctx_term(void *context);

/*
 Make blocking calls on the context's sockets return ETERM and refuse new
 sockets, without waiting. Bad handle: EFAULT.
 */
ZMQ_EXPORT int zmq_ctx_shutdown(void *context);

/*
 Set an int-valued context option.
 */
ZMQ_EXPORT int zmq_ctx_set(void *context, int option, int optval);

/*
 Get a context option as an int (-1 with EINVAL for unknown or set-only ones).
 */
ZMQ_EXPORT int zmq_ctx_get(void *context, int option);

/*
 Legacy: a context with `io_threads` I/O threads; negative -> NULL + EINVAL.
 */
ZMQ_EXPORT void *zmq_init(int io_threads);

/*
 Legacy name of `zmq_ctx_term`.
 */
ZMQ_EXPORT int zmq_term(void *context);

/*
 Legacy name of `zmq_ctx_term` (the one pyzmq calls).
 */
ZMQ_EXPORT int zmq_ctx_destroy(void *context);

#if defined(ZMQ_BUILD_DRAFT_API)
/*
 Draft: set a context option from raw bytes; ZMQ_THREAD_NAME_PREFIX takes a
 string of 1..=16 bytes here. A value of exactly `sizeof (int)` bytes is an
 int, whatever the option (libzmq's rule).
 */
ZMQ_EXPORT int zmq_ctx_set_ext(void *context, int option, const void *optval, size_t optvallen);

/*
 Draft: get a context option into a caller buffer. `*optvallen` is the
 buffer size on entry (`sizeof (int)` asks for the int form) and the number
 of bytes written on return. ZMQ_THREAD_NAME_PREFIX's string form is copied
 as stored, with no terminator added.
 */
ZMQ_EXPORT int zmq_ctx_get_ext(void *context, int option, void *optval, size_t *optvallen);

/*
 Join a group (DISH only, else ENOTSUP). EINVAL for a name longer than
 ZMQ_GROUP_MAX_LENGTH or a group already joined.
 */
ZMQ_EXPORT int zmq_join(void *s, const char *group);

/*
 Leave a group (DISH only, else ENOTSUP). EINVAL for a name longer than
 ZMQ_GROUP_MAX_LENGTH or a group not joined.
 */
ZMQ_EXPORT int zmq_leave(void *s, const char *group);

/*
 Connect a PEER socket and return the routing id of the new peer (for
 zmq_msg_set_routing_id), or 0 with errno set: ENOTSUP for other socket
 types, EFAULT with ZMQ_IMMEDIATE, and zmq_connect's errors.
 */
ZMQ_EXPORT uint32_t zmq_connect_peer(void *s, const char *addr);

/*
 Disconnect one peer of a PEER socket by routing id (libzmq 4.3.6):
 ENOTSUP for other socket types, EHOSTUNREACH for an unknown id.
 */
ZMQ_EXPORT int zmq_disconnect_peer(void *s, uint32_t routing_id);
#endif

/*
 The calling thread's C `errno`, which every failing call sets.
 */
ZMQ_EXPORT int zmq_errno(void);

/*
 The message for an error number: libzmq's own texts for the ZeroMQ codes
 (and for EHOSTUNREACH), the C library's `strerror` for everything else.
 The pointer stays valid: it is a static string or libc's.
 */
ZMQ_EXPORT const char *zmq_strerror(int errnum);

ZMQ_EXPORT int zmq_socket_monitor(void *s, const char *addr, int events);

#if defined(ZMQ_BUILD_DRAFT_API)
ZMQ_EXPORT
int zmq_socket_monitor_versioned(void *s,
                                 const char *addr,
                                 uint64_t events,
                                 int event_version,
                                 int type_);

/*
 Ask every peer connection of `s` for its queue sizes: each answers with
 a ZMQ_EVENT_PIPES_STATS event on the (version 2) monitor. EINVAL unless
 the monitor asked for that event; EAGAIN without any peer.
 */
ZMQ_EXPORT int zmq_socket_monitor_pipes_stats(void *s);
#endif

/*
 Initialise an empty message.
 */
ZMQ_EXPORT int zmq_msg_init(zmq_msg_t *msg_);

/*
 Initialise a message of `size_` bytes (uninitialised, as in libzmq).
 */
ZMQ_EXPORT int zmq_msg_init_size(zmq_msg_t *msg_, size_t size_);

/*
 Initialise a message over the caller's buffer without copying; `ffn_`
 (may be NULL: a constant message) releases it exactly once.
 */
ZMQ_EXPORT
int zmq_msg_init_data(zmq_msg_t *msg_,
                      void *data_,
                      size_t size_,
                      zmq_free_fn *ffn_,
                      void *hint_);

#if defined(ZMQ_BUILD_DRAFT_API)
/*
 Initialise a message holding a copy of `buf_` (draft API).
 */
ZMQ_EXPORT int zmq_msg_init_buffer(zmq_msg_t *msg_, const void *buf_, size_t size_);
#endif

/*
 Release a message; it must be initialised again before reuse.
 */
ZMQ_EXPORT int zmq_msg_close(zmq_msg_t *msg_);

/*
 Move `src_` into `dest_` (whose old content is released); `src_` becomes empty.
 */
ZMQ_EXPORT int zmq_msg_move(zmq_msg_t *dest_, zmq_msg_t *src_);

/*
 Make `dest_` a copy of `src_` sharing its content (no byte copy above the
 inline size); `dest_`'s old content is released.
 */
ZMQ_EXPORT int zmq_msg_copy(zmq_msg_t *dest_, zmq_msg_t *src_);

/*
 Pointer to the message bytes; NULL + EFAULT for a closed message.
 */
ZMQ_EXPORT void *zmq_msg_data(zmq_msg_t *msg_);

/*
 Size of the message in bytes; 0 + EFAULT for a closed message.
 */
ZMQ_EXPORT size_t zmq_msg_size(const zmq_msg_t *msg_);

/*
 1 if more parts follow, else 0.
 */
ZMQ_EXPORT int zmq_msg_more(const zmq_msg_t *msg_);

/*
 ZMQ_MORE, ZMQ_SHARED or the deprecated ZMQ_SRCFD; EINVAL otherwise.
 */
ZMQ_EXPORT int zmq_msg_get(const zmq_msg_t *msg_, int property_);

/*
 Always fails with EINVAL: libzmq 4.3 has no settable message property.
 */
ZMQ_EXPORT int zmq_msg_set(zmq_msg_t *msg_, int property_, int optval_);

/*
 The metadata property `property_` as a C string, or NULL + EINVAL.
 */
ZMQ_EXPORT const char *zmq_msg_gets(const zmq_msg_t *msg_, const char *property_);

#if defined(ZMQ_BUILD_DRAFT_API)
/*
 Set the routing id (draft, CLIENT/SERVER). 0 is refused with EINVAL.
 */
ZMQ_EXPORT int zmq_msg_set_routing_id(zmq_msg_t *msg_, uint32_t routing_id_);

/*
 The routing id (draft), 0 if unset.
 */
ZMQ_EXPORT uint32_t zmq_msg_routing_id(zmq_msg_t *msg_);

/*
 Set the RADIO/DISH group (draft): EINVAL above `ZMQ_GROUP_MAX_LENGTH`.
 */
ZMQ_EXPORT int zmq_msg_set_group(zmq_msg_t *msg_, const char *group_);

/*
 The RADIO/DISH group (draft), "" if unset; NULL + EFAULT if closed.
 */
ZMQ_EXPORT const char *zmq_msg_group(zmq_msg_t *msg_);
#endif

/*
 Wait until one of `items` is ready or `timeout` ms pass (-1: forever).
 */
ZMQ_EXPORT int zmq_poll(zmq_pollitem_t *items, int nitems, long timeout);

#if defined(ZMQ_BUILD_DRAFT_API)
ZMQ_EXPORT void *zmq_poller_new(void);

/*
 # Safety
 `poller_p` is NULL or points at a poller handle variable.
 */
ZMQ_EXPORT int zmq_poller_destroy(void **poller_p);

/*
 # Safety
 `poller` is NULL or a handle from zmq_poller_new.
 */
ZMQ_EXPORT int zmq_poller_size(void *poller);

/*
 # Safety
 `poller` is NULL or from zmq_poller_new; `socket` NULL or from zmq_socket.
 */
ZMQ_EXPORT int zmq_poller_add(void *poller, void *socket, void *user_data, short events);

/*
 # Safety
 As zmq_poller_add.
 */
ZMQ_EXPORT int zmq_poller_modify(void *poller, void *socket, short events);

/*
 # Safety
 As zmq_poller_add.
 */
ZMQ_EXPORT int zmq_poller_remove(void *poller, void *socket);

/*
 # Safety
 `poller` is NULL or a handle from zmq_poller_new.
 */
ZMQ_EXPORT int zmq_poller_add_fd(void *poller, zmq_fd_t fd, void *user_data, short events);

/*
 # Safety
 `poller` is NULL or a handle from zmq_poller_new.
 */
ZMQ_EXPORT int zmq_poller_modify_fd(void *poller, zmq_fd_t fd, short events);

/*
 # Safety
 `poller` is NULL or a handle from zmq_poller_new.
 */
ZMQ_EXPORT int zmq_poller_remove_fd(void *poller, zmq_fd_t fd);

/*
 # Safety
 `poller` is NULL or from zmq_poller_new; `events` is NULL or holds `n_events` entries.
 */
ZMQ_EXPORT
int zmq_poller_wait_all(void *poller,
                        zmq_poller_event_t *events,
                        int n_events,
                        long timeout);

/*
 # Safety
 `poller` is NULL or from zmq_poller_new; `event` is NULL or writable.
 */
ZMQ_EXPORT int zmq_poller_wait(void *poller, zmq_poller_event_t *event, long timeout);

/*
 The poller's signaler: readable when one of its thread-safe sockets may
 have changed state (then zmq_poller_wait with timeout 0 tells which).
 As libzmq, only a poller that has held a thread-safe socket has one;
 otherwise EINVAL. It stays after such sockets are removed.
 */
ZMQ_EXPORT int zmq_poller_fd(void *poller, zmq_fd_t *fd);
#endif

/*
 Move messages between `frontend` and `backend` until the context ends.
 */
ZMQ_EXPORT int zmq_proxy(void *frontend, void *backend, void *capture);

/*
 zmq_proxy with a control socket (PAUSE, RESUME, TERMINATE, STATISTICS).
 */
ZMQ_EXPORT int zmq_proxy_steerable(void *frontend, void *backend, void *capture, void *control);

/*
 Legacy: the device type is ignored, as in libzmq.
 */
ZMQ_EXPORT int zmq_device(int type_, void *frontend, void *backend);

#if defined(ZMQ_BUILD_DRAFT_API)
/*
 ZMQ_POLLOUT when the peer named `routing_id` can take a message now;
 EHOSTUNREACH for an unknown peer, ENOTSUP on other socket types.
 */
ZMQ_EXPORT
int zmq_socket_get_peer_state(void *socket,
                              const void *routing_id,
                              size_t routing_id_size);
#endif

ZMQ_EXPORT void *zmq_socket(void *ctx, int type_);

ZMQ_EXPORT int zmq_close(void *s);

ZMQ_EXPORT int zmq_setsockopt(void *s, int option, const void *optval, size_t optvallen);

ZMQ_EXPORT int zmq_getsockopt(void *s, int option, void *optval, size_t *optvallen);

ZMQ_EXPORT int zmq_bind(void *s, const char *addr);

ZMQ_EXPORT int zmq_connect(void *s, const char *addr);

ZMQ_EXPORT int zmq_unbind(void *s, const char *addr);

ZMQ_EXPORT int zmq_disconnect(void *s, const char *addr);

ZMQ_EXPORT int zmq_send(void *s, const void *buf, size_t len, int flags);

ZMQ_EXPORT int zmq_send_const(void *s, const void *buf, size_t len, int flags);

ZMQ_EXPORT int zmq_recv(void *s, void *buf, size_t len, int flags);

ZMQ_EXPORT int zmq_msg_send(zmq_msg_t *msg, void *s, int flags);

ZMQ_EXPORT int zmq_msg_recv(zmq_msg_t *msg, void *s, int flags);

ZMQ_EXPORT int zmq_sendmsg(void *s, zmq_msg_t *msg, int flags);

ZMQ_EXPORT int zmq_recvmsg(void *s, zmq_msg_t *msg, int flags);

/*
 zmq_sendiov (undocumented in libzmq but exported): send `count` buffers,
 each with the caller's flags except that SNDMORE is cleared on the last
 (so `ZMQ_SNDMORE` makes them one multipart message, as in libzmq).
 */
ZMQ_EXPORT int zmq_sendiov(void *s, struct iovec *iov, size_t count, int flags);

/*
 zmq_recviov: receive up to *count parts into malloc'd buffers the caller
 frees; *count becomes the number of parts received, which is returned.
 */
ZMQ_EXPORT int zmq_recviov(void *s, struct iovec *iov, size_t *count, int flags);

/*
 Report the libzmq version this library is compatible with (4.3.5).
 NULL pointers are skipped.
 */
ZMQ_EXPORT void zmq_version(int *major, int *minor, int *patch);

/*
 1 if this build supports `capability` ("ipc", "curve", "draft", ...),
 else 0 (also for NULL).
 */
ZMQ_EXPORT int zmq_has(const char *capability);

/*
 Encode `size` bytes (a multiple of 4) as Z85 into `dest`, which receives
 `size * 5 / 4` characters and a NUL. Returns `dest`, or NULL with EINVAL.
 */
ZMQ_EXPORT char *zmq_z85_encode(char *dest, const uint8_t *data, size_t size);

/*
 Decode the Z85 string `string` into `dest` (`strlen (string) * 4 / 5`
 bytes). Returns `dest`, or NULL with EINVAL when the length is below 5 or
 not a multiple of 5, or the text is not valid Z85.
 */
ZMQ_EXPORT uint8_t *zmq_z85_decode(uint8_t *dest, const char *string);

/*
 Generate a new CURVE key pair, each key written as 40 Z85 characters and
 a NUL. Returns 0, or -1 with errno if no randomness is available.
 */
ZMQ_EXPORT int zmq_curve_keypair(char *z85_public_key, char *z85_secret_key);

/*
 Derive the Z85 public key of a 40-character Z85 secret key. Returns 0, or
 -1 with EINVAL when the secret key is not 40 valid Z85 characters.
 */
ZMQ_EXPORT int zmq_curve_public(char *z85_public_key, const char *z85_secret_key);

/*
 A new thread-safe counter, starting at 0.
 */
ZMQ_EXPORT void *zmq_atomic_counter_new(void);

/*
 Set the counter to `value`. NULL: nothing happens.
 */
ZMQ_EXPORT void zmq_atomic_counter_set(void *counter, int value);

/*
 Add 1; returns the value before the increment. NULL: -1 with EFAULT.
 */
ZMQ_EXPORT int zmq_atomic_counter_inc(void *counter);

/*
 Subtract 1; returns 1 if the new value is not zero, else 0. NULL: -1 with EFAULT.
 */
ZMQ_EXPORT int zmq_atomic_counter_dec(void *counter);

/*
 The current value. NULL: -1 with EFAULT.
 */
ZMQ_EXPORT int zmq_atomic_counter_value(void *counter);

/*
 Free the counter in `*counter_p` and set `*counter_p` to NULL. A NULL
 `counter_p` or `*counter_p` is ignored.
 */
ZMQ_EXPORT void zmq_atomic_counter_destroy(void **counter_p);

/*
 Start a stopwatch (microseconds, monotonic clock).
 */
ZMQ_EXPORT void *zmq_stopwatch_start(void);

/*
 Microseconds since the stopwatch started; it keeps running. NULL: 0.
 */
ZMQ_EXPORT unsigned long zmq_stopwatch_intermediate(void *watch);

/*
 Microseconds since the stopwatch started; frees it. NULL: 0.
 */
ZMQ_EXPORT unsigned long zmq_stopwatch_stop(void *watch);

/*
 Sleep for `seconds` seconds (nothing for 0 or less).
 */
ZMQ_EXPORT void zmq_sleep(int seconds);

/*
 Start a thread running `func(arg)`. Returns a handle for
 `zmq_threadclose`, or NULL with errno (EFAULT for a NULL `func`).
 */
ZMQ_EXPORT void *zmq_threadstart(zmq_thread_fn *func, void *arg);

/*
 Wait for the thread to finish and free the handle. NULL is ignored.
 */
ZMQ_EXPORT void zmq_threadclose(void *thread);

/*
 A new, empty timer set.
 */
ZMQ_EXPORT void *zmq_timers_new(void);

/*
 Destroy the timer set in `*timers_p` and set `*timers_p` to NULL.
 EFAULT if `timers_p` is NULL or `*timers_p` is not a live timer set.
 */
ZMQ_EXPORT int zmq_timers_destroy(void **timers_p);

/*
 Add a timer calling `handler(id, arg)` every `interval` ms. Returns its
 id (> 0), or -1 with EFAULT for a bad set or a NULL handler.
 */
ZMQ_EXPORT
int zmq_timers_add(void *timers,
                   size_t interval,
                   zmq_timer_fn *handler,
                   void *arg);

/*
 Cancel a timer. EINVAL if there is no such timer or it is already
 cancelled; EFAULT for a bad set.
 */
ZMQ_EXPORT int zmq_timers_cancel(void *timers, int timer_id);

/*
 Change a timer's interval and restart it from now. EINVAL for an unknown
 timer; EFAULT for a bad set.
 */
ZMQ_EXPORT int zmq_timers_set_interval(void *timers, int timer_id, size_t interval);

/*
 Restart a timer: next due one interval from now. EINVAL for an unknown
 timer; EFAULT for a bad set.
 */
ZMQ_EXPORT int zmq_timers_reset(void *timers, int timer_id);

/*
 Milliseconds until the next timer is due (0 if overdue), or -1 when there
 is none (errno untouched). EFAULT for a bad set.
 */
ZMQ_EXPORT long zmq_timers_timeout(void *timers);

/*
 Run the handlers of the due timers. Returns 0; EFAULT for a bad set.
 Handlers may add, cancel, reset and reschedule timers, and destroy the set.
 */
ZMQ_EXPORT int zmq_timers_execute(void *timers);

#ifdef ZMQ_BUILD_DRAFT_API

/*  Message property names for zmq_msg_gets (draft).                          */
#define ZMQ_MSG_PROPERTY_ROUTING_ID "Routing-Id"
#define ZMQ_MSG_PROPERTY_SOCKET_TYPE "Socket-Type"
#define ZMQ_MSG_PROPERTY_USER_ID "User-Id"
#define ZMQ_MSG_PROPERTY_PEER_ADDRESS "Peer-Address"

/*  libzmq spells this one without parentheses; keep its exact expansion.     */
#define ZMQ_EVENT_ALL_V2 ZMQ_EVENT_ALL_V1 | ZMQ_EVENT_PIPES_STATS

/*  zmq_poll, atomically switching to the signal mask sigmask_ while waiting. */
/*  Written here, not generated: strict ISO C modes (gcc -std=c99) make       */
/*  glibc's <signal.h> hide sigset_t, and then zmq_ppoll is not declared.     */
#if defined _WIN32
ZMQ_EXPORT int zmq_ppoll (zmq_pollitem_t *items_,
                          int nitems_,
                          long timeout_,
                          const void *sigmask_);
#elif !defined __GLIBC__ || defined __USE_POSIX
ZMQ_EXPORT int zmq_ppoll (zmq_pollitem_t *items_,
                          int nitems_,
                          long timeout_,
                          const sigset_t *sigmask_);
#endif

#endif /* ZMQ_BUILD_DRAFT_API */

#undef ZMQ_EXPORT

#ifdef __cplusplus
}
#endif

#endif /* __ZMQ_H_INCLUDED__ */
