# test/lit.cfg.py - the ADE lit suite (run with `ninja check-ade`).
import os
import shutil

import lit.formats

config.name = "ADE"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ade", ".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ade_obj_root, "test")
# Inputs/ holds files that tests import or read; Unit/ is its own suite
# (GoogleTest), passed to lit separately.
config.excludes = ["Inputs", "Unit", "fuzz", "tools", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

config.environment["PATH"] = os.pathsep.join(
    [config.ade_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
config.environment["NO_COLOR"] = "1"
config.environment.pop("ADE_STDLIB", None)
config.substitutions.append(("%stdlib", os.path.join(config.ade_src_root, "stdlib")))
config.substitutions.append(("%examples", os.path.join(config.ade_src_root, "examples")))
config.substitutions.append(("%srcroot", config.ade_src_root))
tools = os.path.join(config.ade_src_root, "test", "tools")
config.substitutions.append(("%expect-exit", "python3 " + os.path.join(tools, "expect-exit.py")))
config.substitutions.append(("%read-checkpoint", "python3 " + os.path.join(tools, "read-checkpoint.py")))
config.substitutions.append(("%same-checkpoint", "python3 " + os.path.join(tools, "same-checkpoint.py")))
config.substitutions.append(("%gen-bad-input", "python3 " + os.path.join(tools, "gen-bad-input.py")))
config.substitutions.append(("%interrupt", "python3 " + os.path.join(tools, "interrupt.py")))
# util-linux's script (a terminal for the color tests).
if shutil.which("script"):
    config.available_features.add("script")
# Fashion-MNIST from the Debian package dataset-fashion-mnist.
if os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")
# A C compiler for the C ABI examples: the toolchain adec itself links with.
config.substitutions.append(("%cc", shutil.which("clang-22") or "cc"))
config.substitutions.append(("%builddir", config.ade_obj_root))

# GPU code needs CUDA's libdevice to compile (no GPU); running kernels needs
# an NVIDIA GPU and its driver.
for var in ("CUDA_PATH", "CUDA_HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
if any(os.path.exists(os.path.join(root, "nvvm", "libdevice", "libdevice.10.bc"))
       for root in [os.environ.get("CUDA_PATH", ""), os.environ.get("CUDA_HOME", ""),
                    "/usr/local/cuda"] if root) or \
        os.path.exists("/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc"):
    config.available_features.add("libdevice")
# adec embeds a cubin where CUDA's ptxas is installed.
if any(os.path.exists(os.path.join(root, "bin", "ptxas"))
       for root in [os.environ.get("CUDA_PATH", ""), os.environ.get("CUDA_HOME", ""),
                    "/usr/local/cuda"] if root) or shutil.which("ptxas"):
    config.available_features.add("ptxas")
if os.path.exists("/dev/nvidia0"):
    config.available_features.add("cuda-device")
