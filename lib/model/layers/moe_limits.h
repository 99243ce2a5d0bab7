#ifndef MOEGAP_MOE_LIMITS_H
#define MOEGAP_MOE_LIMITS_H
/* Fixed bounds so the router's per-token work needs no allocation. */
#define MOE_MAX_EXPERTS 64
#define MOE_MAX_TOP_K 8
#endif
