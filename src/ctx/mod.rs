//! The context: options, sockets, termination.
