# test/Unit/lit.cfg.py - GoogleTest binaries (*Tests) under build/test/Unit.
import os

import lit.formats

config.name = "ADE-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = os.path.join(config.ade_obj_root, "test", "Unit")
config.test_exec_root = config.test_source_root
