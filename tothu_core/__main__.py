import sys

from tothu_core.cli import main

sys.exit(main())
