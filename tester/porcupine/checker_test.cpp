#include "tester/porcupine/kv.hpp"
#include <doctest/doctest.h>
TEST_SUITE("porcupine") {
TEST_CASE("placeholder") { CHECK(porcupine::CheckKvOperations({})); }
}
