//! Messages: the 64-byte `zmq_msg_t`, its inline (VSM) and shared content, metadata.
