# The front door. Every build or test target installs missing dependencies first.
#   make test-labrpc | test-2A ... test-2D | test-2 | test      run tests (RUN=TestName for one)
#   make race-2A | asan-2A ...  / make race | make asan        the same under TSan / ASan+UBSan
#   LAB_SIM=1 make test-2C                                      any test target, simulated world
#   make test-sim                                               everything, simulated world
#   make test-extra                                             the extra suites (not Go's tests)
#   make stress PART=2A N=100 J=2                               N runs of each test, failures kept
#   make sim-stress PART=2C SEEDS=1000                          seeds 1..1000 of each test, simulated
#   make grade | make grade PART=2B N=3 [SEEDS=20]              score table + grade-out/results.json
#   make autograder PART=2A [N=3]                               Gradescope's autograder zip
#   make mutants [ENTRY='2b-*'] [N=30] [K=3] [J=2]                 the catalogue of bugs: what the tests catch
#   make handout OUT=dir                                        the student handout (TODOs for solutions)
#   make bench | make bench-2                                   benchmarks (docs/benchmarks.md)
#   make check-rules                                            the runtime rule, citations (docs/design.md)
#   make build|test|test-sim|test-2A ... TOOLCHAIN=clang         Clang 16 + libc++, in build-clang/
SHELL := /bin/bash
.DEFAULT_GOAL := build
# No built-in implicit rules: a mistyped target is an error, not a guess at a C file.
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

, := ,
GENERATOR := $(if $(shell command -v ninja 2>/dev/null),-G Ninja,)
WERROR ?= OFF
RUN ?=
# doctest filters: a part is a test suite; RUN picks test cases by name (wildcards ok).
doctest_filter = -ts=$(1) $(if $(RUN),-tc=$(RUN))

# TOOLCHAIN=clang: the build, test and test-PART targets use Clang with libc++ (Clang 16
# where its versioned name exists, as on Debian and Ubuntu; else clang++), in build-clang/,
# and make deps installs them. Unset: the system's default compiler and library, in build/.
TOOLCHAIN ?=
ifeq ($(TOOLCHAIN),)
  BUILD := build
  TOOLCHAIN_CMAKE :=
else ifeq ($(TOOLCHAIN),clang)
  BUILD := build-clang
  # Deferred: looked up when a recipe needs it, after make deps installed it.
  TOOLCHAIN_CMAKE = -DCMAKE_CXX_COMPILER=$(or $(shell command -v clang++-16 2>/dev/null),clang++) -DLAB_LIBCXX=ON
else
  $(error TOOLCHAIN=$(TOOLCHAIN): expected clang, or nothing for the system's default compiler)
endif

# $(call configure,DIR,CMAKE_OPTIONS[,TARGETS]): configure DIR once, build TARGETS (default all).
define configure
	@if [ ! -f $(1)/CMakeCache.txt ]; then \
	  cmake -S . -B $(1) $(GENERATOR) -DLAB_WERROR=$(WERROR) $(2) >/dev/null; fi
	@cmake --build $(1) -j 2 $(if $(3),--target $(3))
endef

# A test target names a part; a typo (test-2Z, test-2a) is an error listing the parts.
LAB_PARTS := labrpc 2A 2B 2C 2D 2 3A 3B 3 porcupine
define check_part  # $(call check_part,PART,TARGET_PREFIX)
	@if [ -z "$(filter $(1),$(LAB_PARTS))" ]; then \
	  echo "make: no lab part '$(1)' in $(2)$(1); parts: $(LAB_PARTS) (make $(2)2A, make $(2)3 ...)" >&2; \
	  exit 2; fi
endef

.PHONY: deps build build-tsan build-asan test test-sim test-extra \
        $(foreach p,test race asan,$(p)-labrpc $(p)-2 $(p)-3 $(p)-porcupine) race asan bench bench-2 bench-3 bench-sim bench-porcupine check-picture stress sim-stress grade \
        autograder mutants handout check-handout check-docs test-tools \
        check-rules format clean

deps:
	@TOOLCHAIN=$(TOOLCHAIN) scripts/deps.sh

build: deps
	$(call configure,$(BUILD),$(TOOLCHAIN_CMAKE))
	@ln -sf $(BUILD)/compile_commands.json compile_commands.json

build-tsan: deps
	$(call configure,build-tsan,-DLAB_SANITIZE=thread)

build-asan: deps
	$(call configure,build-asan,-DLAB_SANITIZE=address)

# --- tests ------------------------------------------------------------------------
# Lab 2 joins the suite once its tests exist.
ALL_TESTS = labrpc_test "" $(if $(wildcard tester/test_2*.cpp),raft_test "") \
  $(if $(wildcard tester/porcupine/*_test.cpp),porcupine_test "") \
  $(if $(wildcard tester/test_3*.cpp),kv_test "")

# The simulated world runs the lab tests too (LAB_SIM=1; seconds instead of minutes).
SIM_TESTS = $(if $(wildcard tester/test_2*.cpp),sim:raft_test "") \
  $(if $(wildcard tester/test_3*.cpp),sim:kv_test "")

test: build
	@scripts/run-tests.sh $(BUILD) $(ALL_TESTS) $(SIM_TESTS)

test-sim: build
	@scripts/run-tests.sh $(BUILD) sim:labrpc_test "" $(SIM_TESTS)

# The extra suites (tester/test_2_extra.cpp, test_3_extra.cpp): scenario tests that are not
# Go's, in suites named PART-extra, which -ts=2A and the part targets do not match. RUN
# names one of them: a name ending in 3A or 3B runs in kv_test, any other in raft_test.
extra_filter = -ts=*-extra $(if $(RUN),-tc=$(RUN))
extra_binaries = $(if $(RUN),$(if $(filter %3A %3B,$(RUN)),kv_test,raft_test),raft_test kv_test)
test-extra: deps
	$(call configure,$(BUILD),$(TOOLCHAIN_CMAKE),$(extra_binaries))
	@scripts/run-tests.sh $(BUILD) $(foreach b,$(extra_binaries),$(b) "$(extra_filter)")

race: build-tsan
	@scripts/run-tests.sh build-tsan $(ALL_TESTS)

asan: build-asan
	@scripts/run-tests.sh build-asan $(ALL_TESTS)

# One part's targets, PREFIX-labrpc, PREFIX-2A ... PREFIX-3, PREFIX-porcupine, for one
# build flavour. Each builds only the binary it runs: a first `make test-2A` on a fresh
# clone builds a third of the tree. Anything else after PREFIX- is an error listing the
# parts. $(call part_targets,PREFIX,BUILD_DIR,CMAKE_OPTIONS)
define part_targets
$(1)-labrpc: deps
	$$(call configure,$(2),$(3),labrpc_test)
	@scripts/run-tests.sh $(2) labrpc_test "$$(if $$(RUN),-tc=$$(RUN))"

$(1)-2: deps
	$$(call configure,$(2),$(3),raft_test)
	@scripts/run-tests.sh $(2) raft_test "$$(call doctest_filter,2A$$(,)2B$$(,)2C$$(,)2D)"

$(1)-2%: deps
	$$(call check_part,2$$*,$(1)-)
	$$(call configure,$(2),$(3),raft_test)
	@scripts/run-tests.sh $(2) raft_test "$$(call doctest_filter,2$$*)"

$(1)-3: deps
	$$(call configure,$(2),$(3),kv_test)
	@scripts/run-tests.sh $(2) kv_test "$$(call doctest_filter,3A$$(,)3B)"

$(1)-3%: deps
	$$(call check_part,3$$*,$(1)-)
	$$(call configure,$(2),$(3),kv_test)
	@scripts/run-tests.sh $(2) kv_test "$$(call doctest_filter,3$$*)"

$(1)-porcupine: deps
	$$(call configure,$(2),$(3),porcupine_test)
	@scripts/run-tests.sh $(2) porcupine_test "$$(if $$(RUN),-tc=$$(RUN))"

$(1)-%:
	$$(call check_part,$$*,$(1)-)
endef
# $$(TOOLCHAIN_CMAKE) stays a reference here, looked up when a recipe runs (after deps).
$(eval $(call part_targets,test,$(BUILD),$$(TOOLCHAIN_CMAKE)))
$(eval $(call part_targets,race,build-tsan,-DLAB_SANITIZE=thread))
$(eval $(call part_targets,asan,build-asan,-DLAB_SANITIZE=address))

# --- tools ------------------------------------------------------------------------
# Stress: N runs of each test of PART (or of the tests RUN names), J at a time; failing
# runs kept with their seed and replay line (scripts/stress -h). LOG=topics runs with
# LAB_LOG; HOSTS=file spreads the runs over machines (GNU parallel's --sshloginfile).
PART ?= 2A
N ?= 20
J ?= 2
# RUN alone (no PART on the command line) names the tests; with PART it narrows them.
stress_targets = $(if $(and $(RUN),$(filter file,$(origin PART))),'$(RUN)',$(PART) $(if $(RUN),-r '$(RUN)'))
stress_options = -j $(J) $(if $(LOG),-l $(LOG)) $(if $(HOSTS),--sshloginfile $(HOSTS))
stress: build
	@scripts/stress -n $(N) $(stress_options) $(stress_targets)

# Seeds 1..SEEDS of each test in the simulated world; failing seeds listed with replay lines.
SEEDS ?= 200
sim-stress: build
	@scripts/stress -s -n $(SEEDS) $(stress_options) $(stress_targets)

# Grade: every graded test (a "// points: N" line above its TEST_CASE), or PART's (2A, 2,
# or a test name), N runs each, TIMEOUT seconds per run; SIM=1 in the simulated world,
# SIM=0 (default) the real one; SEEDS=S adds simulated seeds 1..S that must all pass for the
# points. The grader removes old results, then builds what the parts
# need itself, so a failed build still writes grade-out/results.json (every test 0, the
# compiler's errors). autograder: the same settings baked into Gradescope's zip.
grade_options = $(if $(filter-out file,$(origin PART)),$(PART)) \
  $(if $(filter-out file,$(origin N)),-n $(N)) $(if $(TIMEOUT),-t $(TIMEOUT)) $(if $(SIM),--sim=$(SIM)) \
  $(if $(filter-out file,$(origin SEEDS)),--seeds $(SEEDS))
grade:
	@scripts/grade --make $(strip $(grade_options))

autograder:
	@scripts/autograder/make-zip $(strip $(grade_options)) $(if $(OUT),-o $(OUT))

# Mutation testing: the catalogue's classic bugs (mutants/), each applied to a copy of the
# tree and swept over simulated seeds; a kill matrix (scripts/mutants -h). ENTRY picks
# entries (wildcards), N and M the Lab 2 and Lab 3 seeds, K the failing seeds that end a
# cell (0: all), J entries at a time, SETS=all,go Go's tests alone beside the full tester.
mutants_options = $(if $(filter-out file,$(origin N)),-n $(N)) $(if $(M),-m $(M)) \
  $(if $(K),-k $(K)) -j $(J) \
  $(if $(HOSTS),--sshloginfile $(HOSTS)) $(if $(SETS),--sets $(SETS)) $(foreach e,$(ENTRY),'$(e)')
mutants: deps
	@scripts/mutants $(strip $(mutants_options))

# Handout: this tree with the student regions of raft/ and kvraft/ replaced by TODOs
# (PARTS=3A,3B strips only those); check-handout builds one and runs its tests.
handout:
	@if [ -z "$(OUT)" ]; then echo "usage: make handout OUT=dir [PARTS=2A,2B]" >&2; exit 2; fi
	@scripts/handout $(OUT) $(if $(PARTS),--parts $(PARTS))

check-handout: deps
	@scripts/check-handout.sh

# The tools' own tests (prettylog, stress, grade, handout), on fake test binaries.
test-tools: deps
	@scripts/test-tools.sh

bench: build
	@scripts/bench.sh build 5 2

# Lab 2: per part wall/CPU/RSS/RPCs (median of 3), leader failover (200 trials) and the
# CPU per committed command.
bench-2: build
	@scripts/bench-lab.py --build build --runs 3 --parts 2A,2B,2C,2D
	@FAILOVER_TRIALS=200 build/raft_bench | grep -E '^(leader failover|commit cost)'

# Lab 3: per part wall/CPU/RSS/RPCs/ops (median of 3), run as the tests run, then at
# equal work (each test's clients paced to the staff solution's operations).
bench-3: build
	@scripts/bench-lab.py --build build --runs 3 --parts 3A,3B
	@scripts/bench-lab.py --build build --runs 3 --parts 3A,3B --equal-work

# The simulated world against the real one, seed sweeps, failover over many trials.
bench-sim: build
	@scripts/bench-sim.sh build 3 1000 1000 1

# The linearizability checker on generated histories (docs/benchmarks.md), and its
# picture rendered in headless chromium.
bench-porcupine: build
	@build/porcupine_bench 3 1

check-picture: build
	@scripts/check-picture.sh

# The runtime rule, and no citation of a document outside the repository; both run, in a
# git checkout or a handout copied without git (scripts/list-files).
check-rules:
	@rule=0; scripts/check-runtime-rule.sh || rule=1; scripts/check-citations.sh && exit $$rule

# The docs' reproducible examples (simulated, fixed seeds), rerun and compared.
check-docs: build
	@scripts/check-docs

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-tsan build-asan build-clang compile_commands.json grade-out mutants-out
