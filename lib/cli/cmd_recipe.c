/* moegap recipe: one recipe read by the library's reader, for scripts, so
 * that no script parses INI itself. */
#include "commands.h"
#include "util/error.h"
#include "train/recipe.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap recipe --recipe FILE [--get SECTION.KEY]\n"
    "\n"
    "Reads a recipe as moegap train reads it (strictly: errors name the file,\n"
    "the line and the key) and prints it resolved, every key with its value\n"
    "(defaults filled in, [data] paths made absolute against the recipe's\n"
    "folder); or, with --get, the one value of SECTION.KEY (data.train,\n"
    "run.corpus, ...) on a line of its own.\n"
    "\n"
    "  --recipe FILE       the recipe\n"
    "  --get SECTION.KEY   print only this key's value (empty when a label or\n"
    "                      path is unset)\n"
    "\n"
    "Exit status: 0 printed; 1 a bad recipe, or no such key; 2 misuse.\n";

int cmd_recipe(int argc, char **argv)
{
    const char *path = NULL, *get = NULL;
    cli_option opts[] = {
        {"--recipe", CLI_STRING, &path, 1, 0, 0, 0},
        {"--get", CLI_STRING, &get, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("recipe", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    recipe r;
    recipe_defaults(&r);
    if (recipe_read(&r, path) || recipe_validate(&r)) {
        fprintf(stderr, "moegap recipe: %s\n", error_message());
        return 1;
    }
    if (!get) {
        recipe_write(&r, stdout);
        return 0;
    }
    for (size_t i = 0; i < recipe_key_count(); i++) {
        const char *section, *name;
        char value[RECIPE_PATH_MAX];
        recipe_key_text(&r, i, &section, &name, value, sizeof value);
        size_t n = strlen(section);
        if (strncmp(get, section, n) == 0 && get[n] == '.' && strcmp(get + n + 1, name) == 0) {
            printf("%s\n", value);
            return 0;
        }
    }
    fprintf(stderr, "moegap recipe: --get '%s': no such key (SECTION.KEY, e.g. data.train)\n",
            get);
    return 1;
}
