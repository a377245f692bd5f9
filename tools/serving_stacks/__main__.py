"""`python -m tools.serving_stacks install`: see the package docstring."""
from tools.serving_stacks import main

raise SystemExit(main())
