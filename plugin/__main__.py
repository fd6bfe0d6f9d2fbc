import sys

from pyclawrouter.cli import main

sys.exit(main())
