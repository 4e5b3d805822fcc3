// Points declarations for scripts/test-tools.sh's grader tests: the tests of the fake
// binary (scripts/testdata/fake-build/raft_test), as a test file declares them. Not built.
TEST_SUITE("2A") {

// points: 5
TEST_CASE("TestPass2A") {}

// points: 3
TEST_CASE("TestFlaky2A") {}

// points: 2
TEST_CASE("TestHang2A") {}

// points: 4
TEST_CASE("TestCrash2A") {}

TEST_CASE("TestUngraded2A") {}

// points: 1
TEST_CASE("TestNotBuilt2A") {}

}  // TEST_SUITE("2A")
