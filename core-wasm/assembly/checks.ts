// Invariant checks of the core. An `assert` guarded by CHECKS runs in the debug build
// (asconfig.json's debug target keeps assertions; the differential tests run it) and is compiled
// out of release and scalar entirely: the guard is a compile-time constant, so not even the
// checked expression remains. A check that fires is a bug in the core (or a caller breaking the
// Backend contract), never an input error.

// @ts-ignore: decorator
@inline export const CHECKS: bool = !ASC_NO_ASSERT;
