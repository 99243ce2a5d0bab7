# The xcheck tests' command when configure found no python3 that imports
# torch and numpy: fail with the reason instead of skipping.
message(FATAL_ERROR "xcheck: no python3 that imports torch and numpy was found at "
  "configure time. Install python3-torch and python3-numpy (Debian), or "
  "configure with -DMOEGAP_XCHECK_PYTHON=/path/to/python3, then re-run cmake.")
