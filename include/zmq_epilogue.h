
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
