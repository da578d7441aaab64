"""``python -m napari_gan_augment.cli``: how jobs and torchrun start the command line."""

import os
import sys

from . import main

code = main()
if code == 130:
    # A stop raises KeyboardInterrupt wherever the job is; when that is inside an exec() of a
    # string (dataclasses build methods so, e.g. while torch imports a submodule), CPython
    # marks the interrupt "unhandled" even though the job caught it, and at exit kills the
    # process with SIGINT (status -2) instead of returning 130. The job has written and
    # released everything by now, so end here with the status it chose.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
