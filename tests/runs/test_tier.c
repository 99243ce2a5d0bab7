/* The tier reader (lib/runs/tier.c): a good tier.ini, every way one is refused
 * (each error naming the file, the line and the key), the seed-list rules
 * that --seeds and -DMOEGAP_SEEDS share, and the real tiers' files.
 * usage: test_tier PROTOCOLS_DIR */
#include "util/error.h"
#include "runs/tier.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static const char *protocols_dir;

/* A tier folder holding tier.ini = text. */
static const char *tier_folder(const char *text)
{
    const char *dir = test_dir("tier");
    test_write_file(dir, "tier.ini", text);
    return dir;
}

static void expect_good(const char *text, const char *want)
{
    tier_info t;
    int rc = tier_read(&t, tier_folder(text));
    char got[512] = "";
    if (!rc)
        tier_seeds_text(got, sizeof got, t.seeds, t.n_seeds);
    EXPECT(rc == MG_OK && strcmp(got, want) == 0, "%s: got '%s' (%s), want '%s'", text, got,
           rc ? error_message() : "ok", want);
}

/* Refused, with a message holding frag1 (file:line) and frag2. */
static void expect_bad(const char *text, const char *frag1, const char *frag2)
{
    tier_info t;
    int rc = tier_read(&t, tier_folder(text));
    const char *msg = error_message();
    EXPECT(rc != MG_OK, "accepted: %s", text);
    EXPECT(rc == MG_OK || strstr(msg, frag1), "message lacks '%s': %s", frag1, msg);
    EXPECT(rc == MG_OK || !frag2 || strstr(msg, frag2), "message lacks '%s': %s", frag2, msg);
    EXPECT(t.n_seeds == 0, "a refused file left %d seeds", t.n_seeds);
}

static void test_reader(void)
{
    expect_good("; why three\n[tier]\nseeds = 1, 2, 3\n", "1,2,3");
    expect_good("[tier]\n  seeds=7,3 ; inline comment\n", "7,3");
    expect_good("[tier]\nseeds = 5\n", "1,2,3,4,5");

    expect_bad("[tier]\n", "/tier.ini: [tier] seeds: missing", NULL);
    expect_bad("; nothing\n", "tier.ini: [tier] seeds: missing", NULL);
    expect_bad("[tier]\nseeds = 1, 2\nseeds = 1, 2\n", "tier.ini:3: [tier] seeds: key given twice",
               "first on line 2");
    expect_bad("[tier]\nseed = 1, 2\n", "tier.ini:2: [tier] seed: unknown key", NULL);
    expect_bad("[tiers]\nseeds = 1, 2\n", "tier.ini:2: [tiers] seeds: unknown key", NULL);
    expect_bad("seeds = 1, 2\n", "tier.ini:1: seeds: key outside any section", "[tier]");
    expect_bad("[tier]\nthis is no key\n", "tier.ini:2: malformed line", NULL);
    expect_bad("[tier\nseeds = 1, 2\n", "tier.ini:1: malformed section header", NULL);
    expect_bad("[tier]\nseeds = 1, x\n", "tier.ini:2: [tier] seeds: '1, x'", "expected N");
    expect_bad("[tier]\nseeds = 1, 2, 1\n", "tier.ini:2: [tier] seeds:", "seed 1 is listed twice");
    expect_bad("[tier]\nseeds = 0, 1\n", "tier.ini:2: [tier] seeds:", "seed 0 is not in 1..");
    expect_bad("[tier]\nseeds = 1\n", "tier.ini:2: [tier] seeds:", "at least 2");
    expect_bad("[tier]\nseeds =\n", "tier.ini:2: [tier] seeds:", "expected N");
    expect_bad("[tier]\nseeds = -1, 2\n", "tier.ini:2: [tier] seeds:", "expected N");
    expect_bad("[tier]\nseeds = 65\n", "tier.ini:2: [tier] seeds:", "expected 2..64");

    tier_info t;
    EXPECT(tier_read(&t, test_dir("empty_tier")) != MG_OK &&
               strstr(error_message(), "/tier.ini: cannot open the tier file"),
           "a folder without tier.ini: %s", error_message());
}

static void expect_list(const char *text, int ok, const char *want)
{
    int seeds[PROTOCOL_MAX_SEEDS], n = -1;
    char msg[600] = "", got[512] = "";
    int r = tier_seeds_parse(text, seeds, &n, msg, sizeof msg);
    if (r)
        tier_seeds_text(got, sizeof got, seeds, n);
    EXPECT(r == ok, "'%s': %s", text, r ? got : msg);
    EXPECT(strstr(r ? got : msg, want) && (!r || strcmp(got, want) == 0), "'%s': '%s', want '%s'",
           text, r ? got : msg, want);
}

static void test_lists(void)
{
    expect_list("5", 1, "1,2,3,4,5");
    expect_list("2", 1, "1,2");
    expect_list("64", 1, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
                "27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,"
                "53,54,55,56,57,58,59,60,61,62,63,64");
    expect_list("1,2,5", 1, "1,2,5");
    expect_list(" 4 , 1000000 ", 1, "4,1000000");
    expect_list("1", 0, "at least 2");
    expect_list("0", 0, "expected 2..64");
    expect_list("65", 0, "expected 2..64");
    expect_list("3,3", 0, "seed 3 is listed twice");
    expect_list("1,1000001", 0, "seed 1000001 is not in 1..1000000");
    expect_list("1;2", 0, "expected N");
    expect_list("1 2", 0, "expected N");
    expect_list("1,,2", 0, "expected N");
    expect_list("+1,2", 0, "expected N");
    /* 65 distinct seeds: one more than a protocol holds */
    char many[400] = "";
    for (int s = 1; s <= 65; s++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", s > 1 ? "," : "", s);
    expect_list(many, 0, "more than 64 seeds");
}

/* Every real tier folder has a tier.ini that reads. */
static void test_real_tiers(void)
{
    static const char *const tiers[] = {"smoke", "ci", "paper"};
    for (int i = 0; i < 3; i++) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/tiers/%s", protocols_dir, tiers[i]);
        tier_info t;
        EXPECT(tier_read(&t, dir) == MG_OK && t.n_seeds >= 2, "%s: %s", dir, error_message());
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_tier PROTOCOLS_DIR\n");
        return 2;
    }
    protocols_dir = argv[1];
    test_reader();
    test_lists();
    test_real_tiers();
    return test_summary("test_tier");
}
