"""``python -m bench``: run every figure once and print the table (see bench/README.md)."""

from bench.run import main

main()
