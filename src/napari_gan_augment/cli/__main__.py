"""``python -m napari_gan_augment.cli``: how jobs and torchrun start the command line."""

import sys

from . import main

sys.exit(main())
