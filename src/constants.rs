//! Every ZMQ_* value of libzmq 4.3.5: the source of truth for include/zmq.h.
