"""`python -m image_review` runs the command line."""

from image_review.cli import main

main()
