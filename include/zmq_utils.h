/*
    zmq_utils.h: deprecated. Everything it used to declare (zmq_stopwatch_*,
    zmq_sleep, zmq_threadstart, zmq_threadclose, ...) is in zmq.h, as in
    libzmq 4.3.5; this file only reminds the includer of that.

    #warning is an extension that -pedantic rejects, so the reminder is a
    #pragma message (a note, which -Werror leaves alone) where the compiler
    has one, and nothing elsewhere.
*/

#if defined(__clang__) || defined(__GNUC__) || defined(__GNUG__)               \
  || defined(_MSC_VER)
#pragma message(                                                               \
  "Warning: zmq_utils.h is deprecated. All its functionality is provided by zmq.h.")
#endif
