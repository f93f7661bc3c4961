# Builds libzmq 4.3.5's tests/*.cpp (Unity programs) against one libzmq:
# scripts/libzmq-tests.sh runs it once per library and flavour (stable/draft).
#   TREE    tests/, src/ (with the generated platform.hpp), include/zmq.h
#   UNITY   libzmq's external/unity
#   OUT     objects and bin/ go here
#   LIBZMQ  the libzmq.so.5 to link against (the run picks one by LD_LIBRARY_PATH)
#   DEFS    -DZMQ_BUILD_DRAFT_API for the draft flavour
#   TESTS   test names to build
# OUT/flags holds the flags; the script rewrites it only when they change, so
# a change rebuilds everything and an unchanged run is a no-op. -MMD tracks the
# headers (zmq.h among them), so a new header rebuilds what includes it.
CXX      ?= g++
CC       ?= gcc
CPPFLAGS := $(DEFS) -I$(UNITY) -DUNITY_USE_COMMAND_LINE_ARGS -DUNITY_EXCLUDE_FLOAT
CXXFLAGS := -O0 -w -pthread
CFLAGS   := -O0 -w
TESTUTIL := testutil testutil_monitoring testutil_security testutil_unity
# test_security_curve also compiles a few of libzmq's own sources (as libzmq's
# build does) and its CURVE client tools use libsodium.
CURVE_SRC := err random clock

BINS := $(TESTS:%=$(OUT)/bin/%)
all: $(BINS)

$(OUT)/%.o: $(TREE)/tests/%.cpp $(OUT)/flags
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@

# (4.3.5's zmq.h includes signal.h, which its src/zmq_draft.h relies on;
# Debian's 4.3.4 zmq.h does not.)
$(OUT)/src/%.o: $(TREE)/src/%.cpp $(OUT)/flags
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -include signal.h -MMD -MP -c $< -o $@

$(OUT)/unity.o: $(UNITY)/unity.c $(OUT)/flags
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/libtestutil.a: $(TESTUTIL:%=$(OUT)/%.o) $(OUT)/unity.o
	rm -f $@ && ar rcs $@ $^

$(OUT)/bin/test_security_curve: $(OUT)/test_security_curve.o $(CURVE_SRC:%=$(OUT)/src/%.o) $(OUT)/libtestutil.a
	@mkdir -p $(@D)
	$(CXX) -pthread -o $@ $^ $(LIBZMQ) -lsodium

$(OUT)/bin/%: $(OUT)/%.o $(OUT)/libtestutil.a
	@mkdir -p $(@D)
	$(CXX) -pthread -o $@ $^ $(LIBZMQ)

.SECONDARY:
-include $(wildcard $(OUT)/*.d $(OUT)/src/*.d)
