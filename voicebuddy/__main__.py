import sys

from voicebuddy.cli import main

sys.exit(main())
