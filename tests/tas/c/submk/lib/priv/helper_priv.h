/* Only reachable through lib/sub.mk's incdirs-y. */
#define HELPER_VALUE 1000
