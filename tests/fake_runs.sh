# Shared by the command-line tests that check fake run folders (sourced
# after cli_lib.sh): the recipe.ini each model's runs hold, as the paper
# label writes them: the ci tier's MoE recipes, and their dense matches
# from the solver, with absolute data paths as a run's resolved recipe has.
#   fake_recipes SOURCE_DIR STEPS   writes $work/recipes/<model>.ini, STEPS steps each
#   fake_recipe MODEL DIR           copies the model's recipe to DIR/recipe.ini

fake_recipes() {
  local tier=$1/protocols/tiers/ci out=$work/recipes
  mkdir -p "$out"
  cp "$tier/moe4.ini" "$out/moe4.ini"
  cp "$tier/moe8.ini" "$out/moe8.ini"
  "$moegap" params --recipe "$tier/moe4.ini" --match active --write "$out/dense_active.ini" >/dev/null &&
    "$moegap" params --recipe "$tier/moe4.ini" --match total --write "$out/dense_total.ini" >/dev/null &&
    "$moegap" params --recipe "$tier/moe8.ini" --match total --write "$out/dense8_total.ini" >/dev/null ||
    fail "moegap params --match cannot write the dense recipes"
  sed -i -e "s/^steps = .*/steps = $2/" -e "s|^train = .*|train = $work/data/train.tok|" \
    -e "s|^val = .*|val = $work/data/val.tok|" "$out"/*.ini
}

fake_recipe() { cp "$work/recipes/$1.ini" "$2/recipe.ini"; }
